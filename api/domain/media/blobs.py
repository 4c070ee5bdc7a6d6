"""Blobs and the rows that name them: delete only unnamed blobs, rewrite blobs lost to a race."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from api.db import column
from api.models.media import MediaVariant
from media.storage import Storage


async def restore_missing(storage: Storage, blobs: list[tuple[str, bytes]]) -> None:
    # A concurrent delete of another record with the same bytes may have removed a blob
    # between our write and our commit (it saw no row naming it): write it again.
    for sha256, data in blobs:
        if not storage.exists(sha256):
            await asyncio.to_thread(storage.put_bytes, data)


async def delete_unused_blobs(storage: Storage, shas: Iterable[str]) -> list[str]:
    shas = set(shas)
    if not shas:
        return []
    used = set(await column(MediaVariant.filter(sha256__in=shas), "sha256"))
    unused = sorted(shas - used)
    for sha256 in unused:
        await asyncio.to_thread(storage.delete, sha256)
    return unused
