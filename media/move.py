"""Move media between local disk (`MEDIA_ROOT`) and object storage (`MEDIA_STORAGE_URL`).

Resumable and safe to interrupt: a blob is copied only when the target lacks it, its bytes are
checked against their name (the sha256) on the way, and the source is deleted (with
`--delete-source`) only once the target holds the blob. Running it again finishes what an
interrupted run left. Every blob a media row names is moved; unnamed ones (left by a crash) are
not, as the sweep job removes them anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from api.settings import Settings
from media.storage import LocalStorage, Storage, get_storage

CONCURRENCY = 4


@dataclass
class MoveReport:
    copied: int = 0
    present: int = 0  # already in the target (an earlier run, or shared bytes)
    missing: list[str] = field(default_factory=list)  # named by a row, in neither place
    corrupt: list[str] = field(default_factory=list)  # bytes that do not hash to their name
    deleted: int = 0


def endpoints(settings: Settings, to: str) -> tuple[Storage, Storage]:
    """(source, target) for a move `to` "object" or "disk"."""
    if not settings.media_storage_url:
        raise ValueError("MEDIA_STORAGE_URL is not set: there is no object storage to move to or from")
    disk, bucket = LocalStorage(settings.media_root), get_storage(settings)
    if to == "object":
        return disk, bucket
    if to == "disk":
        return bucket, disk
    raise ValueError(f"unknown target {to!r} (object or disk)")


def _copy_one(source: Storage, target: Storage, sha256: str, delete_source: bool) -> str:
    if target.exists(sha256):
        outcome = "present"
    else:
        path = source.local_path(sha256)
        if path is not None:  # stream from disk, hashing as it goes
            with open(path, "rb") as stream:
                stored = target.put_stream(stream, limit=1 << 62)
            if stored.sha256 != sha256:
                target.delete(stored.sha256)
                return "corrupt"
        else:
            data = source.read_bytes(sha256)
            if data is None:
                return "missing"
            if hashlib.sha256(data).hexdigest() != sha256:
                return "corrupt"
            target.put_bytes(data)
        outcome = "copied"
    if delete_source and target.exists(sha256):
        source.delete(sha256)
        return outcome + "+deleted"
    return outcome


async def named_blobs() -> list[str]:
    from api.models.media import MediaFile, MediaVariant

    names: set[str] = {str(s) for s in await MediaVariant.all().values_list("sha256", flat=True)}
    names |= {str(s) for s in await MediaFile.all().values_list("sha256", flat=True)}
    return sorted(names)


def _move_all(
    source: Storage, target: Storage, names: list[str], delete_source: bool, progress: Callable[[str], None] | None
) -> MoveReport:
    report = MoveReport()
    # A failure stops the run once the copies in flight have finished (run again to resume).
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        futures = {pool.submit(_copy_one, source, target, name, delete_source): name for name in names}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                kind, _, deleted = future.result().partition("+")
                if kind == "copied":
                    report.copied += 1
                elif kind == "present":
                    report.present += 1
                elif kind == "missing":
                    report.missing.append(futures[future])
                else:
                    report.corrupt.append(futures[future])
                report.deleted += bool(deleted)
                if progress and done % 100 == 0:
                    progress(f"{done}/{len(names)} blobs")
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    report.missing.sort()
    report.corrupt.sort()
    return report


async def move_media(
    settings: Settings, to: str, *, delete_source: bool = False, progress: Callable[[str], None] | None = None
) -> MoveReport:
    source, target = endpoints(settings, to)
    names = await named_blobs()
    return await asyncio.to_thread(_move_all, source, target, names, delete_source, progress)
