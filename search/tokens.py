"""Tenant tokens for client apps that query Meilisearch directly.

A tenant token is a JWT signed with a search-only API key; its search rules add the viewer's
visibility filter to every query on every index it names, so a client holding it can read
exactly what the GraphQL `search` would show. The API key itself (uid derived from the index
prefix, created on first use with the master key) never leaves the server.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from meilisearch.errors import MeilisearchApiError

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
        key = await call(client.create_key, {
            "uid": uid, "name": f"{settings.meili_index_prefix} tenant tokens",
            "description": "Signs Guildhall search tenant tokens (searchToken).",
            "actions": ["search"], "indexes": [f"{settings.meili_index_prefix}_*"], "expiresAt": None,
        })
    _keys[cache_key] = key.key
    return key.key


async def tenant_token(settings: Settings, scope: Scope) -> TenantToken:
    """A short-lived token limited to the searchable indexes, with the viewer's filter."""
    indexes = {name: index_uid(settings, kind) for name, kind in kinds().items()}
    flt = visibility_filter(scope)
    rules = {uid: ({"filter": flt} if flt else {}) for uid in indexes.values()}
    expires_at = (now() + timedelta(seconds=settings.search_token_ttl_seconds)).replace(microsecond=0)
    try:
        api_key = await _search_key(settings)
        token = get_client(settings).generate_tenant_token(
            key_uid(settings), rules, expires_at=expires_at, api_key=api_key
        )
    except Exception as exc:  # noqa: BLE001 - unreachable server, refused key...
        raise Unavailable(f"Search is unavailable right now ({type(exc).__name__}).") from None
    return TenantToken(token=token, expires_at=expires_at, url=meili_url(settings), indexes=indexes)
