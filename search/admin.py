"""Admin rules of search: synonyms (stored in the database, applied to every index) and the
state of the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from api.errors import DomainError, Invalid, collect
from api.models.accounts import Role, User
from api.models.search import SearchOutbox
from api.policies import require_role
from api.settings import Settings
from search import state
from search.indexes import apply_settings

log = logging.getLogger(__name__)

MAX_GROUPS = 500
MAX_TERMS = 20
MAX_TERM_LENGTH = 50


def synonym_map(groups: list[list[str]]) -> dict[str, list[str]]:
    """Groups of equivalent terms as Meilisearch's one-way map (every term to the others)."""
    words: dict[str, list[str]] = {}
    for group in groups:
        for term in group:
            others = [t for t in group if t != term]
            words[term] = list(dict.fromkeys([*words.get(term, []), *others]))
    return words


def groups_of(words: dict[str, list[str]]) -> list[list[str]]:
    """The groups back from a stored map (each group once, in first-seen order)."""
    seen: set[frozenset[str]] = set()
    groups = []
    for term, others in words.items():
        group = frozenset([term, *others])
        if group not in seen:
            seen.add(group)
            groups.append([term, *others])
    return groups


def _clean(groups: list[list[str]]) -> list[list[str]]:
    errors: list[DomainError] = []
    cleaned = []
    if len(groups) > MAX_GROUPS:
        errors.append(Invalid(f"Use at most {MAX_GROUPS} groups.", field="groups"))
    for group in groups:
        terms = list(dict.fromkeys(" ".join(t.split()).lower() for t in group if t.strip()))
        if len(terms) < 2 or len(terms) > MAX_TERMS:
            errors.append(Invalid(f"Each group needs 2 to {MAX_TERMS} different terms.", field="groups"))
        elif any(len(t) > MAX_TERM_LENGTH for t in terms):
            errors.append(Invalid(f"Terms have at most {MAX_TERM_LENGTH} characters.", field="groups"))
        cleaned.append(terms)
    collect(errors[:1])
    return cleaned


async def set_synonyms(actor: User | None, groups: list[list[str]], settings: Settings) -> list[list[str]]:
    """Replace the synonyms (admins). Stored first; applied now if Meilisearch answers,
    otherwise by the outbox worker as soon as it does."""
    require_role(actor, Role.ADMIN)
    words = synonym_map(_clean(groups))
    await state.store_synonyms(words)
    try:
        await apply_settings(settings)
    except Exception as exc:  # noqa: BLE001 - stored: the worker applies it later
        log.warning("synonyms stored, not applied yet: %s", exc)
        await state.record_error(f"settings: {type(exc).__name__}: {exc}")
    return groups_of(words)


@dataclass(frozen=True)
class SearchStatus:
    pending: int
    failing: int
    oldest_pending_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    rebuilding: bool
    synonyms_applied: bool


async def status(actor: User | None) -> SearchStatus:
    require_role(actor, Role.ADMIN)
    pending = await SearchOutbox.all().count()
    failing = await SearchOutbox.filter(attempts__gt=0).count()
    oldest = await SearchOutbox.all().order_by("created_at").first()
    error = await state.last_error()
    return SearchStatus(
        pending=pending,
        failing=failing,
        oldest_pending_at=oldest.created_at if oldest else None,
        last_error=error[0] if error else None,
        last_error_at=error[1] if error else None,
        rebuilding=await state.rebuild_running(),
        synonyms_applied=not await state.synonyms_pending(),
    )
