"""The outbox worker: pushes recorded changes to Meilisearch, safely from several processes.

A pass claims a batch of outbox rows, loads the current state of their objects, upserts or
deletes the documents, waits for Meilisearch to apply the tasks, then deletes the rows. A
failure leaves the rows with a back-off (`next_attempt_at`) and the error recorded, so nothing
is lost while Meilisearch is down.

Claims are exclusive per document: a row is only claimed when no live claim exists on the same
(kind, object id), so two workers never push two states of one document concurrently (which
could let the older state land last). On PostgreSQL the claim is one `UPDATE ... WHERE id IN
(SELECT ... FOR UPDATE SKIP LOCKED)` behind a transaction-scoped advisory lock (the lock
serializes the short claim statements, so the "no live claim" test sees committed claims);
on SQLite the same statement is a single conditional update, atomic under SQLite's write lock.

While a rebuild runs (`search.rebuild`), processed rows are parked instead of deleted: they are
pushed again once the fresh indexes are swapped in, so no change made during a rebuild is lost.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from api.db import connection, is_postgres
from api.models.search import SearchOutbox
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction
from search import state
from search.client import call, get_client
from search.indexes import apply_settings, index_uid, wait
from search.registry import kinds
from search.tokens import delete_revoked_keys

log = logging.getLogger(__name__)

# `next_attempt_at` of rows parked during a rebuild (claimable again once it is over).
PARKED = datetime(9999, 1, 1, tzinfo=UTC)
_ADVISORY_LOCK = 0x6775696C64  # "guild": one key for every Guildhall outbox claim


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    object_id: int
    attempts: int


_CLAIM_SQL = """
UPDATE search_outbox SET claimed_until = ?
WHERE id IN (
    SELECT o.id FROM search_outbox o
    WHERE (o.claimed_until IS NULL OR o.claimed_until < ?)
      AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ? {parked})
      AND NOT EXISTS (
          SELECT 1 FROM search_outbox c
          WHERE c.kind = o.kind AND c.object_id = o.object_id AND c.claimed_until >= ?
      )
    ORDER BY o.id LIMIT ? {lock}
) AND (claimed_until IS NULL OR claimed_until < ?)
RETURNING id, kind, object_id, attempts
"""


def _numbered(query: str) -> str:
    parts = query.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))


async def claim(settings: Settings, *, limit: int | None = None, include_parked: bool = False) -> list[Claimed]:
    """Claim up to `limit` due rows (oldest first) for `search_claim_seconds`."""
    moment = now()
    until = moment + timedelta(seconds=settings.search_claim_seconds)
    limit = limit or settings.search_batch_size
    parked = "OR o.next_attempt_at >= ?" if include_parked else ""
    params: list[Any] = [until, moment, moment, *([PARKED] if include_parked else []), moment, limit, moment]
    if is_postgres():
        sql = _numbered(_CLAIM_SQL.format(parked=parked, lock="FOR UPDATE SKIP LOCKED"))
        async with transaction() as conn:
            await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [_ADVISORY_LOCK])
            rows = await conn.execute_query_dict(sql, params)
    else:
        rows = await connection().execute_query_dict(_CLAIM_SQL.format(parked=parked, lock=""), params)
    claimed = [Claimed(int(r["id"]), r["kind"], int(r["object_id"]), int(r["attempts"])) for r in rows]
    return sorted(claimed, key=lambda c: c.id)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: 1 s, 2 s, 4 s... capped."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), settings.search_retry_max_seconds))


async def _push_kind(settings: Settings, kind_name: str, object_ids: list[int]) -> None:
    kind = kinds().get(kind_name)
    if kind is None:
        raise RuntimeError(f"unknown search document kind {kind_name!r}")
    documents = await kind.load(object_ids)
    present = {int(d["id"]) for d in documents}
    absent = [i for i in object_ids if i not in present]
    index = get_client(settings).index(index_uid(settings, kind))
    tasks = []
    if documents:
        tasks.append((await call(index.add_documents, documents, "id")).task_uid)
    if absent:
        id_list = ", ".join(str(int(i)) for i in absent)
        tasks.append((await call(index.delete_documents, filter=f"id IN [{id_list}]")).task_uid)
    for task_uid in tasks:
        await wait(settings, task_uid)


async def _fail(settings: Settings, rows: list[Claimed], error: str) -> None:
    moment = now()
    for row in rows:
        attempts = row.attempts + 1
        await SearchOutbox.filter(id=row.id).update(
            attempts=attempts,
            next_attempt_at=moment + backoff(settings, attempts),
            last_error=error[:2000],
            claimed_until=None,
        )
    await state.record_error(error)


async def process_batch(settings: Settings, *, include_parked: bool | None = None) -> int:
    """One pass: claim, push, settle. Returns how many rows were claimed."""
    if include_parked is None:
        include_parked = not await state.rebuild_running()
    rows = await claim(settings, include_parked=include_parked)
    if not rows:
        return 0
    by_kind: dict[str, list[Claimed]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    # Read after claiming: a rebuild that started before our push must replay these changes.
    rebuilding = await state.rebuild_running()
    for kind_name, kind_rows in by_kind.items():
        object_ids = list(dict.fromkeys(r.object_id for r in kind_rows))
        try:
            await _push_kind(settings, kind_name, object_ids)
        except Exception as exc:  # noqa: BLE001 - any failure is retried later, never lost
            message = f"{kind_name}: {type(exc).__name__}: {exc}"
            log.warning("search push failed: %s", message)
            await _fail(settings, kind_rows, message)
            continue
        ids = [r.id for r in kind_rows]
        if rebuilding:
            await SearchOutbox.filter(id__in=ids).update(
                next_attempt_at=PARKED, claimed_until=None, attempts=0, last_error=""
            )
        else:
            await SearchOutbox.filter(id__in=ids).delete()
    return len(rows)


async def drain(settings: Settings, *, max_batches: int = 1000) -> int:
    """Process batches until nothing is due (or `max_batches`); returns rows handled."""
    total = 0
    for _ in range(max_batches):
        handled = await process_batch(settings)
        total += handled
        if handled < settings.search_batch_size:
            break
    return total


# Installations (Meilisearch URL, index prefix) whose settings this process has applied.
_applied: set[tuple[str, str]] = set()


def _installation(settings: Settings) -> tuple[str, str]:
    return settings.meili_url or "", settings.meili_index_prefix


def mark_settings_applied(settings: Settings) -> None:
    _applied.add(_installation(settings))


async def ensure_settings(settings: Settings) -> bool:
    """Apply index settings once per process (and again when admins changed synonyms), so
    indexes are configured even when Meilisearch was down at start-up. True when applied now."""
    if _installation(settings) in _applied and not await state.synonyms_pending():
        return False
    try:
        await apply_settings(settings)
    except Exception as exc:  # noqa: BLE001 - retried on the next run of the job
        await state.record_error(f"settings: {type(exc).__name__}: {exc}")
        return False
    mark_settings_applied(settings)
    return True


async def outbox_job(settings: Settings) -> bool:
    """Background job: make sure index settings are applied, then push pending changes.
    True when search results changed (cached public reads are then invalidated)."""
    changed = await ensure_settings(settings)
    await delete_revoked_keys(settings)
    return await drain(settings) > 0 or changed
