"""Tenant tokens for client apps that query Meilisearch directly.

A tenant token is a JWT signed with a search-only API key; its search rules add the viewer's
visibility filter to every query on every index it names, so a client holding it can read
exactly what the GraphQL `search` would show. API keys never leave the server.

Anonymous tokens are signed by one installation key (uid derived from the index prefix). A
member's tokens are signed by a key of their own (`SearchKey`): when their rights shrink it is
revoked (`revoke_member_keys`), which deletes it in Meilisearch, so every token it signed stops
working at once; their next token gets a new key. Tokens also live briefly
(SEARCH_TOKEN_TTL_SECONDS).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from meilisearch.errors import MeilisearchApiError

from api.models.search import SearchKey
from api.settings import Settings
from api.timeutil import now
from search.client import call, get_client, meili_url
from search.indexes import index_uid
from search.query import Scope, Unavailable, visibility_filter
from search.registry import kinds

_keys: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class TenantToken:
    token: str
    expires_at: datetime
    url: str
    indexes: dict[str, str]  # kind -> index uid


def key_uid(settings: Settings) -> str:
    """Stable per installation; shaped as a UUID v4, the only form tenant tokens accept."""
    derived = uuid.uuid5(uuid.NAMESPACE_URL, f"guildhall:{settings.meili_index_prefix}:search")
    return str(uuid.UUID(bytes=derived.bytes, version=4))


async def _search_key(settings: Settings) -> str:
    """The search-only key that signs tenant tokens (created once per installation)."""
    cache_key = (meili_url(settings), settings.meili_index_prefix)
    if cache_key in _keys:
        return _keys[cache_key]
    client = get_client(settings)
    uid = key_uid(settings)
    try:
        key = await call(client.get_key, uid)
    except MeilisearchApiError as exc:
        if exc.status_code != 404:
            raise
        key = await call(
            client.create_key,
            {
                "uid": uid,
                "name": f"{settings.meili_index_prefix} tenant tokens",
                "description": "Signs Guildhall search tenant tokens (searchToken).",
                "actions": ["search"],
                "indexes": [f"{settings.meili_index_prefix}_*"],
                "expiresAt": None,
            },
        )
    _keys[cache_key] = key.key
    return key.key


async def _member_key(settings: Settings, user_id: int) -> tuple[str, str]:
    """(uid, key) of the member's live search key, created in Meilisearch on first use."""
    row = await SearchKey.filter(user_id=user_id, revoked_at__isnull=True).order_by("-id").first()
    if row is not None:
        return row.uid, row.key
    uid = str(uuid.uuid4())
    key = await call(
        get_client(settings).create_key,
        {
            "uid": uid,
            "name": f"{settings.meili_index_prefix} member {user_id}",
            "description": "Signs one Guildhall member's search tenant tokens; revoked when their rights shrink.",
            "actions": ["search"],
            "indexes": [f"{settings.meili_index_prefix}_*"],
            "expiresAt": None,
        },
    )
    await SearchKey.create(user_id=user_id, uid=uid, key=key.key)
    return uid, key.key


async def revoke_member_keys(settings: Settings, user_id: int) -> int:
    """Revoke the member's search keys: their tokens stop working once Meilisearch deletes the
    keys, which happens now if it answers, else at the outbox worker's next pass."""
    revoked = await SearchKey.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now())
    await delete_revoked_keys(settings)
    return revoked


async def delete_revoked_keys(settings: Settings) -> int:
    """Delete revoked member keys in Meilisearch (safe from several processes: a key already
    gone counts as deleted). Failures are left for the next pass."""
    deleted = 0
    for row in await SearchKey.filter(revoked_at__isnull=False, deleted=False).limit(500):
        try:
            await call(get_client(settings).delete_key, row.uid)
        except MeilisearchApiError as exc:
            if exc.status_code != 404:
                continue
        except Exception:  # noqa: BLE001 - Meilisearch unreachable: retried by the worker
            return deleted
        await SearchKey.filter(id=row.id).update(deleted=True)
        deleted += 1
    return deleted


async def tenant_token(settings: Settings, scope: Scope, user_id: int | None = None) -> TenantToken:
    """A short-lived token limited to the searchable indexes, with the viewer's filter; a
    member's is signed by their own key (`user_id`), so it can be revoked."""
    indexes = {name: index_uid(settings, kind) for name, kind in kinds().items()}
    flt = visibility_filter(scope)
    rules = {uid: ({"filter": flt} if flt else {}) for uid in indexes.values()}
    expires_at = (now() + timedelta(seconds=settings.search_token_ttl_seconds)).replace(microsecond=0)
    try:
        if user_id is None:
            uid, api_key = key_uid(settings), await _search_key(settings)
        else:
            uid, api_key = await _member_key(settings, user_id)
        token = get_client(settings).generate_tenant_token(uid, rules, expires_at=expires_at, api_key=api_key)
    except Exception as exc:  # noqa: BLE001 - unreachable server, refused key...
        raise Unavailable(f"Search is unavailable right now ({type(exc).__name__}).") from None
    return TenantToken(token=token, expires_at=expires_at, url=meili_url(settings), indexes=indexes)
