"""Rebuild every index from the database into fresh indexes, then swap them in.

Search keeps answering from the live indexes during the rebuild. Changes made meanwhile are
pushed to the live indexes by the worker as usual and parked (see `search.worker`); once the
swap is done the marker is cleared and the parked rows are pushed again, into the new indexes,
so a document read by the rebuild before a change cannot hide that change.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from api.settings import Settings
from search import state
from search.client import call, get_client
from search.indexes import ensure_index, index_uid, wait
from search.registry import kinds
from search.worker import drain

log = logging.getLogger(__name__)

NEXT_SUFFIX = "__next"
CHUNK = 1000


class RebuildRunning(RuntimeError):
    """Another rebuild holds the marker."""


@dataclass
class RebuildReport:
    documents: dict[str, int]  # kind -> documents indexed


async def _drop(settings: Settings, uid: str) -> None:
    client = get_client(settings)
    existing = {i["uid"] for i in (await call(client.get_raw_indexes, {"limit": 1000}))["results"]}
    if uid in existing:
        await wait(settings, (await call(client.delete_index, uid)).task_uid)


async def _fill(settings: Settings, uid: str, kind_name: str) -> int:
    kind = kinds()[kind_name]
    index = get_client(settings).index(uid)
    ids = await kind.all_ids()
    count = 0
    tasks = []
    # Each chunk is sent (serialised and posted, in a thread) while the next one is read and built;
    # chunks are still enqueued in order, one send at a time.
    sending: asyncio.Task | None = None
    for start in range(0, len(ids), CHUNK):
        documents = await kind.load(ids[start : start + CHUNK])
        if documents:
            if sending is not None:
                tasks.append((await sending).task_uid)
            sending = asyncio.create_task(call(index.add_documents, documents, "id"))
            count += len(documents)
    if sending is not None:
        tasks.append((await sending).task_uid)
    for task_uid in tasks:  # Meilisearch batches queued tasks: enqueue all, then wait
        await wait(settings, task_uid)
    return count


async def rebuild(settings: Settings, *, kind_names: list[str] | None = None) -> RebuildReport:
    """Rebuild the indexes of `kind_names` (default: every kind) and swap them in."""
    selected = kind_names or list(kinds())
    unknown = [k for k in selected if k not in kinds()]
    if unknown:
        raise ValueError(f"unknown search kinds: {', '.join(unknown)}")
    if not await state.start_rebuild(uuid.uuid4().hex):
        raise RebuildRunning("another rebuild is running")
    client = get_client(settings)
    synonyms = await state.get_synonyms()
    counts: dict[str, int] = {}
    swapped = False
    try:
        pairs = []
        for name in selected:
            kind = kinds()[name]
            live, fresh = index_uid(settings, kind), index_uid(settings, kind, suffix=NEXT_SUFFIX)
            await _drop(settings, fresh)
            await ensure_index(settings, live, kind, synonyms)  # a swap needs both sides
            await ensure_index(settings, fresh, kind, synonyms)
            counts[name] = await _fill(settings, fresh, name)
            pairs.append({"indexes": [live, fresh]})
        # One swap task for every pair: all indexes change at once, atomically.
        await wait(settings, (await call(client.swap_indexes, pairs)).task_uid)
        swapped = True
        for pair in pairs:
            await _drop(settings, pair["indexes"][1])
    finally:
        await state.finish_rebuild()
    if swapped:
        await state.mark_synonyms_applied()
        await drain(settings)  # replay the changes parked during the rebuild
    log.info("search rebuilt: %s", counts)
    return RebuildReport(documents=counts)
