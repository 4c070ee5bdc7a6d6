"""Media rules: upload (validate, process, store, record), delete, avatars, who may read what.

Every byte of an upload is hostile: the type is sniffed from the content (`media.sniff`),
images are fully decoded and re-encoded (`media.images`) off the event loop, and nothing is
stored until every check passed. Blobs are written before the rows that name them, and
deleted only when no row names them any more.

Other domains attach files to their objects (a resource, a private space...). When the object
is not public they call `set_private`, and register a reader check with `reader` so that
members who may read the object get signed URLs of its files.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import unicodedata
import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from api.db import fetch_all
from api.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid, NotFound, RateLimited
from api.models.accounts import User
from api.models.media import MediaFile, MediaKind, MediaPurpose, MediaVariant
from api.policies import is_staff, require_member
from api.ratelimit import RateLimiter
from api.runtime import periodic
from api.settings import Settings
from media import sniff
from media.images import ImageRejected, process_image
from media.storage import BlobTooLarge, Storage, get_storage

PURPOSE_KINDS: dict[MediaPurpose, frozenset[MediaKind]] = {
    MediaPurpose.AVATAR: frozenset({MediaKind.IMAGE}),
    MediaPurpose.POST: frozenset({MediaKind.IMAGE}),
    MediaPurpose.RESOURCE: frozenset(MediaKind),
}
_ACCEPTED = {
    MediaKind.IMAGE: "JPEG, PNG, WebP or GIF images",
    MediaKind.AUDIO: "MP3, OGG, M4A or WAV audio",
    MediaKind.VIDEO: "MP4 or WebM video",
    MediaKind.DOCUMENT: "PDF documents",
}


class TooLarge(DomainError):
    code = ErrorCode.TOO_LARGE


class UnsupportedType(DomainError):
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class QuotaExceeded(DomainError):
    code = ErrorCode.QUOTA_EXCEEDED


@dataclass
class UploadedFile:
    """An upload as received: the client's file name (display only) and a seekable stream."""

    filename: str
    stream: BinaryIO


def max_bytes(settings: Settings, kind: MediaKind) -> int:
    return {
        MediaKind.IMAGE: settings.media_max_image_bytes,
        MediaKind.AUDIO: settings.media_max_audio_bytes,
        MediaKind.VIDEO: settings.media_max_video_bytes,
        MediaKind.DOCUMENT: settings.media_max_document_bytes,
    }[kind]


def clean_filename(name: str) -> str:
    """A display name: last path part, no control or format characters, at most 255 bytes."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    base = base.strip(" .") or "file"
    while len(base.encode()) > 255:
        base = base[:-1]
    return base


def _accepted_for(purpose: MediaPurpose) -> str:
    kinds = [_ACCEPTED[k] for k in MediaKind if k in PURPOSE_KINDS[purpose]]
    return ", ".join(kinds[:-1]) + (" or " if len(kinds) > 1 else "") + kinds[-1]


async def used_bytes(user_id: int) -> int:
    """Bytes stored for a member: every rendition of every file they uploaded."""
    rows = await fetch_all(
        "SELECT COALESCE(SUM(v.size), 0) AS total FROM media_variants v"
        " JOIN media_files f ON f.id = v.media_file_id WHERE f.owner_id = ?",
        [user_id],
    )
    return int(rows[0]["total"] or 0)


def _size_of(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


async def upload(
    actor: User | None, file: UploadedFile, purpose: MediaPurpose, alt: str, settings: Settings,
    *, limiter: RateLimiter | None = None, storage: Storage | None = None,
) -> MediaFile:
    """Validate, process and store one upload; every refusal leaves nothing behind."""
    member = require_member(actor)
    storage = storage or get_storage(settings.media_root)
    alt = alt.strip()
    if len(alt) > settings.media_max_alt_length:
        raise Invalid(f"Use at most {settings.media_max_alt_length} characters.", field="alt")
    if limiter is not None and not await limiter.hit(
        f"media:upload:{member.id}", settings.media_uploads_per_minute, 60
    ):
        raise RateLimited("Too many uploads; wait a minute and try again.", field="file")

    size = await asyncio.to_thread(_size_of, file.stream)
    if size == 0:
        raise Invalid("The file is empty.", field="file")
    head = await asyncio.to_thread(_read_head, file.stream)
    sniffed = sniff.sniff(head)
    if sniffed is None:
        raise UnsupportedType(
            f"This file's content is not an accepted type. Upload {_accepted_for(purpose)}.", field="file"
        )
    if sniffed.kind not in PURPOSE_KINDS[purpose]:
        raise UnsupportedType(
            f"A {purpose.value.lower()} upload must be {_accepted_for(purpose)}.", field="file"
        )
    limit = max_bytes(settings, sniffed.kind)
    if size > limit:
        raise TooLarge(f"The file is {size:,} bytes; {sniffed.kind.value.lower()} files may be at most "
                       f"{limit:,} bytes.", field="file")
    if await used_bytes(member.id) >= settings.media_quota_bytes:  # before any costly work
        raise QuotaExceeded(f"Your storage quota of {settings.media_quota_bytes:,} bytes is used up; "
                            "delete files to upload more.", field="file")
    filename = clean_filename(file.filename or "")
    if sniffed.kind is MediaKind.IMAGE:
        return await _upload_image(member, file, sniffed, purpose, alt, filename, settings, storage)
    return await _upload_other(member, file, sniffed, size, purpose, alt, filename, settings, storage)


def _read_head(stream: BinaryIO) -> bytes:
    stream.seek(0)
    head = stream.read(sniff.HEAD_BYTES)
    stream.seek(0)
    return head


async def _check_quota(member: User, adding: int, settings: Settings) -> None:
    used = await used_bytes(member.id)
    if used + adding > settings.media_quota_bytes:
        raise QuotaExceeded(
            f"This file needs {adding:,} bytes but only {max(settings.media_quota_bytes - used, 0):,} "
            f"bytes of your {settings.media_quota_bytes:,}-byte storage quota are left.", field="file",
        )


async def _upload_image(member: User, file: UploadedFile, sniffed: sniff.Sniffed, purpose: MediaPurpose,
                        alt: str, filename: str, settings: Settings, storage: Storage) -> MediaFile:
    data = await asyncio.to_thread(_read_all, file.stream)
    source_sha = hashlib.sha256(data).hexdigest()
    before = await _processed_before(source_sha, settings, storage)
    if before is not None:
        fields, variants = before
        await _check_quota(member, sum(v.size for v in variants), settings)
        created = await _record(member, purpose, alt, filename, source_sha, fields, variants, settings,
                                storage, [])
        if not all(storage.exists(v.sha256) for v in variants):
            # The last other record using them was deleted meanwhile: process and store again
            # (processing is deterministic, so the blobs get the names the rows hold).
            for rendition in (await _process(data, sniffed, settings)).renditions:
                await asyncio.to_thread(storage.put_bytes, rendition.data)
        return created
    processed = await _process(data, sniffed, settings)
    renditions = processed.renditions
    await _check_quota(member, sum(len(r.data) for r in renditions), settings)
    del data
    original = processed.original
    new_blobs: list[str] = []
    variants: list[MediaVariant] = []
    for rendition in renditions:
        stored = await asyncio.to_thread(storage.put_bytes, rendition.data)
        if stored.created:
            new_blobs.append(stored.sha256)
        variants.append(MediaVariant(
            name=rendition.name, sha256=stored.sha256, mime_type=rendition.mime_type,
            size=len(rendition.data), width=rendition.width, height=rendition.height,
        ))
    fields = dict(
        kind=MediaKind.IMAGE, mime_type=original.mime_type, size=len(original.data),
        sha256=variants[0].sha256, width=processed.width, height=processed.height,
        animated=processed.animated, placeholder_color=processed.placeholder_color,
        placeholder=processed.placeholder,
    )
    created = await _record(member, purpose, alt, filename, source_sha, fields, variants, settings,
                            storage, new_blobs)
    await _restore_missing(storage, [(v.sha256, r.data) for v, r in zip(variants, renditions)])
    return created


# Decoding a large image takes a few times its pixel count in memory: at most this many run at
# once per process (per event loop), the others wait their turn.
_processing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _processing_slots(settings: Settings) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _processing:
        _processing[loop] = asyncio.Semaphore(settings.media_processing_concurrency)
    return _processing[loop]


async def _process(data: bytes, sniffed: sniff.Sniffed, settings: Settings):
    try:
        async with _processing_slots(settings):
            return await asyncio.to_thread(
                process_image, data, sniffed.pillow_format, max_pixels=settings.media_max_image_pixels
            )
    except ImageRejected as exc:
        raise (TooLarge if exc.bomb else Invalid)(str(exc), field="file") from None


async def _processed_before(source_sha: str, settings: Settings,
                            storage: Storage) -> tuple[dict, list[MediaVariant]] | None:
    """What processing these exact bytes gave last time, when all its blobs are still stored:
    a second upload of the same image costs no decoding. Limits are those of today."""
    earlier = await MediaFile.filter(source_sha256=source_sha, kind=MediaKind.IMAGE).order_by("-id").first()
    if earlier is None or (earlier.width or 0) * (earlier.height or 0) > settings.media_max_image_pixels:
        return None
    rows = await MediaVariant.filter(media_file_id=earlier.id)
    if not rows or not all(storage.exists(row.sha256) for row in rows):
        return None
    fields = {name: getattr(earlier, name) for name in (
        "kind", "mime_type", "size", "sha256", "width", "height", "animated", "placeholder_color",
        "placeholder")}
    variants = [MediaVariant(name=r.name, sha256=r.sha256, mime_type=r.mime_type, size=r.size,
                             width=r.width, height=r.height) for r in rows]
    return fields, variants


def _read_all(stream: BinaryIO) -> bytes:
    stream.seek(0)
    return stream.read()


async def _upload_other(member: User, file: UploadedFile, sniffed: sniff.Sniffed, size: int,
                        purpose: MediaPurpose, alt: str, filename: str, settings: Settings,
                        storage: Storage) -> MediaFile:
    await _check_quota(member, size, settings)
    duration = await asyncio.to_thread(sniff.duration, sniffed, file.stream, size)
    file.stream.seek(0)
    try:
        stored = await asyncio.to_thread(storage.put_stream, file.stream, max_bytes(settings, sniffed.kind))
    except BlobTooLarge:  # the stream grew after it was measured
        raise TooLarge("The file is too large.", field="file") from None
    variant = MediaVariant(name="original", sha256=stored.sha256, mime_type=sniffed.mime_type,
                           size=stored.size)
    fields = dict(kind=sniffed.kind, mime_type=sniffed.mime_type, size=stored.size,
                  sha256=stored.sha256, duration=duration)
    created = await _record(member, purpose, alt, filename, stored.sha256, fields, [variant], settings,
                            storage, [stored.sha256] if stored.created else [])
    if not storage.exists(stored.sha256):
        file.stream.seek(0)
        await asyncio.to_thread(storage.put_stream, file.stream, max_bytes(settings, sniffed.kind))
    return created


async def _record(member: User, purpose: MediaPurpose, alt: str, filename: str, source_sha: str,
                  fields: dict, variants: list[MediaVariant], settings: Settings, storage: Storage,
                  new_blobs: list[str]) -> MediaFile:
    """Insert the rows; the quota is checked again under a lock on the member's row, so two
    concurrent uploads cannot both use the last free bytes. On failure, blobs this upload
    created (and no row names) are removed."""
    try:
        async with in_transaction():
            await User.filter(id=member.id).select_for_update().first()
            await _check_quota(member, sum(v.size for v in variants), settings)
            media_file = await MediaFile.create(
                owner_id=member.id, purpose=purpose, alt=alt, filename=filename,
                source_sha256=source_sha, **fields,
            )
            for variant in variants:
                variant.media_file_id = media_file.id
            await MediaVariant.bulk_create(variants)
    except BaseException:
        await _delete_unused_blobs(storage, new_blobs)
        raise
    return media_file


async def _restore_missing(storage: Storage, blobs: list[tuple[str, bytes]]) -> None:
    # A concurrent delete of another record with the same bytes may have removed a blob
    # between our write and our commit (it saw no row naming it): write it again.
    for sha256, data in blobs:
        if not storage.exists(sha256):
            await asyncio.to_thread(storage.put_bytes, data)


async def _delete_unused_blobs(storage: Storage, shas: Iterable[str]) -> list[str]:
    shas = set(shas)
    if not shas:
        return []
    used = set(await MediaVariant.filter(sha256__in=shas).values_list("sha256", flat=True))
    unused = sorted(shas - used)
    for sha256 in unused:
        await asyncio.to_thread(storage.delete, sha256)
    return unused


async def get_own(actor: User | None, media_id: int, *, field: str = "mediaId") -> MediaFile:
    """A media file the actor uploaded (staff may use any)."""
    member = require_member(actor)
    media_file = await MediaFile.filter(id=media_id).first()
    if media_file is None:
        raise NotFound("No such file.", field=field)
    if media_file.owner_id != member.id and not is_staff(member):
        raise Forbidden("This file belongs to another member.", field=field)
    return media_file


async def delete(actor: User | None, media_id: int, settings: Settings,
                 *, storage: Storage | None = None) -> None:
    """Delete a file's record; its blobs go too unless another record uses the same bytes."""
    storage = storage or get_storage(settings.media_root)
    media_file = await get_own(actor, media_id)
    shas = await MediaVariant.filter(media_file_id=media_file.id).values_list("sha256", flat=True)
    try:
        async with in_transaction():
            await User.filter(avatar_id=media_file.id).update(avatar_id=None)
            await media_file.delete()
    except (IntegrityError, OperationalError):
        raise Conflict("This file is still attached to something; detach it first.", field="mediaId") from None
    await _delete_unused_blobs(storage, shas)


async def update_alt(actor: User | None, media_id: int, alt: str, settings: Settings) -> MediaFile:
    """Change the alternative text of one of the actor's files (staff: any file)."""
    media_file = await get_own(actor, media_id)
    alt = alt.strip()
    if len(alt) > settings.media_max_alt_length:
        raise Invalid(f"Use at most {settings.media_max_alt_length} characters.", field="alt")
    media_file.alt = alt
    await media_file.save(update_fields=["alt"])
    return media_file


async def set_avatar(actor: User | None, media_id: int | None) -> User:
    """Use one of the member's own uploaded images as their avatar (None removes it)."""
    member = require_member(actor)
    if media_id is not None:
        media_file = await MediaFile.filter(id=media_id).first()
        if media_file is None or media_file.owner_id != member.id:
            raise NotFound("No such file among your uploads.", field="mediaId")
        if media_file.kind != MediaKind.IMAGE:
            raise Invalid("An avatar must be an image.", field="mediaId")
        if media_file.private:
            raise Invalid("A file attached to something private cannot be an avatar.", field="mediaId")
    member.avatar_id = media_id
    await User.filter(id=member.id).update(avatar_id=media_id)
    return member


async def set_private(media_ids: Iterable[int], private: bool) -> int:
    """Mark files as attached to something not public (served by signed URLs only) or not."""
    ids = list(set(media_ids))
    if not ids:
        return 0
    return await MediaFile.filter(id__in=ids).update(private=private)


# --- who may read private files --------------------------------------------------------------

Reader = Callable[[User, list[MediaFile]], Awaitable[set[int]]]
_readers: list[Reader] = []


def reader(check: Reader) -> Reader:
    """Register a check: given a viewer and private files, the ids of those the viewer may read
    because of what they are attached to (decorator; domains that attach files register one)."""
    if check not in _readers:
        _readers.append(check)
    return check


async def readable(viewer: User | None, files: list[MediaFile]) -> set[int]:
    """Ids of `files` the viewer may read: public ones, their own, staff all; else ask readers."""
    allowed = {f.id for f in files if not f.private}
    if viewer is None:
        return allowed
    if is_staff(viewer):
        return {f.id for f in files}
    allowed |= {f.id for f in files if f.owner_id == viewer.id}
    pending = [f for f in files if f.id not in allowed]
    if pending:
        import api.wiring  # noqa: F401 - make sure every domain's readers are registered

        for check in _readers:
            allowed |= await check(viewer, pending) & {f.id for f in pending}
            pending = [f for f in pending if f.id not in allowed]
            if not pending:
                break
    return allowed


async def blob_for_serving(sha256: str) -> MediaVariant | None:
    """A variant with these bytes that belongs to a public file (served without signature),
    else any variant with these bytes (served only with a valid signature), else None."""
    rows = await MediaVariant.filter(sha256=sha256).select_related("media_file").limit(50)
    for row in rows:
        if not row.media_file.private:
            return row
    return rows[0] if rows else None


# --- housekeeping ----------------------------------------------------------------------------

SWEEP_AFTER_SECONDS = 3600


async def sweep(settings: Settings, *, older_than: float = SWEEP_AFTER_SECONDS,
                storage: Storage | None = None) -> dict[str, int]:
    """Remove what a crash can leave behind: temporary files, and blobs no row names (written
    by an upload that died before its rows were committed). Only files older than `older_than`
    are touched, so uploads in progress are never disturbed; an upload that still races a sweep
    writes its blobs again after committing (`_restore_missing`)."""
    storage = storage or get_storage(settings.media_root)
    temp = await asyncio.to_thread(storage.remove_stale_temp, older_than)
    candidates = await asyncio.to_thread(lambda: list(storage.blobs_older_than(older_than)))
    removed = 0
    for start in range(0, len(candidates), 500):
        removed += len(await _delete_unused_blobs(storage, candidates[start:start + 500]))
    return {"temp": temp, "blobs": removed}


@periodic("media.sweep", interval=SWEEP_AFTER_SECONDS)
async def _sweep_job(settings: Settings) -> None:
    # Safe with several processes: deleting a file twice is harmless, and only unnamed blobs go.
    await sweep(settings)
