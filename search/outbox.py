"""Write side of the search outbox: call `enqueue` inside the transaction of the change."""

from __future__ import annotations

from collections.abc import Iterable

from api.models.search import SearchOutbox


async def enqueue(kind: str, object_ids: int | Iterable[int]) -> None:
    """Record that the documents of `kind` with these ids must be re-read and pushed
    (created, updated or deleted: the worker decides from the database state)."""
    ids = [object_ids] if isinstance(object_ids, int) else list(dict.fromkeys(object_ids))
    if ids:
        await SearchOutbox.bulk_create([SearchOutbox(kind=kind, object_id=i) for i in ids])
