"""Housekeeping: remove what a crash can leave in storage."""

from __future__ import annotations

import asyncio

from api.domain.media.blobs import delete_unused_blobs
from api.settings import Settings
from media.storage import Storage, get_storage

SWEEP_AFTER_SECONDS = 3600


async def sweep(
    settings: Settings, *, older_than: float = SWEEP_AFTER_SECONDS, storage: Storage | None = None
) -> dict[str, int]:
    """Remove what a crash can leave behind: temporary files, and blobs no row names (written
    by an upload that died before its rows were committed). Only files older than `older_than`
    are touched, so uploads in progress are never disturbed; an upload that still races a sweep
    writes its blobs again after committing (`_restore_missing`)."""
    storage = storage or get_storage(settings)
    temp = await asyncio.to_thread(storage.remove_stale_temp, older_than)
    candidates = await asyncio.to_thread(lambda: list(storage.blobs_older_than(older_than)))
    removed = 0
    for start in range(0, len(candidates), 500):
        removed += len(await delete_unused_blobs(storage, candidates[start : start + 500]))
    return {"temp": temp, "blobs": removed}


async def sweep_job(settings: Settings) -> None:
    # Safe with several processes: deleting a file twice is harmless, and only unnamed blobs go.
    await sweep(settings)
