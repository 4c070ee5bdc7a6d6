"""Upload: validate, process (off the event loop), store, record. Every refusal leaves nothing:
blobs are written before the rows that name them, and removed again if the rows are not."""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from typing import Any, BinaryIO

from api import offload
from api.domain.media.blobs import delete_unused_blobs, restore_missing
from api.domain.media.limits import (
    PURPOSE_KINDS,
    QuotaExceeded,
    TooLarge,
    UnsupportedType,
    accepted_for,
    check_quota,
    clean_filename,
    max_bytes,
    quota_bytes,
    used_bytes,
)
from api.errors import Invalid, RateLimited
from api.models.accounts import User
from api.models.media import MediaFile, MediaKind, MediaPurpose, MediaVariant
from api.policies import require_member
from api.ratelimit import RateLimiter
from api.settings import Settings
from api.transactions import transaction
from media import sniff
from media.images import ImageRejected, ProcessedImage, process_image
from media.storage import BlobTooLarge, Storage, get_storage


@dataclass
class UploadedFile:
    """An upload as received: the client's file name (display only) and a seekable stream."""

    filename: str
    stream: BinaryIO


def _size_of(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


async def upload(
    actor: User | None,
    file: UploadedFile,
    purpose: MediaPurpose,
    alt: str,
    *,
    limiter: RateLimiter | None = None,
    storage: Storage | None = None,
    settings: Settings,
) -> MediaFile:
    """Validate, process and store one upload; every refusal leaves nothing behind."""
    member = require_member(actor)
    storage = storage or get_storage(settings)
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
            f"This file's content is not an accepted type. Upload {accepted_for(purpose)}.", field="file"
        )
    if sniffed.kind not in PURPOSE_KINDS[purpose]:
        raise UnsupportedType(f"A {purpose.value.lower()} upload must be {accepted_for(purpose)}.", field="file")
    limit = max_bytes(settings, sniffed.kind)
    if size > limit:
        raise TooLarge(
            f"The file is {size:,} bytes; {sniffed.kind.value.lower()} files may be at most {limit:,} bytes.",
            field="file",
        )
    quota = await quota_bytes(member, settings)
    if await used_bytes(member.id) >= quota:  # before any costly work
        raise QuotaExceeded(
            f"Your storage quota of {quota:,} bytes is used up; delete files to upload more.", field="file"
        )
    filename = clean_filename(file.filename or "")
    if sniffed.kind is MediaKind.IMAGE:
        return await _upload_image(member, file, sniffed, purpose, alt, filename, settings, storage)
    return await _upload_other(member, file, sniffed, size, purpose, alt, filename, settings, storage)


def _read_head(stream: BinaryIO) -> bytes:
    stream.seek(0)
    head = stream.read(sniff.HEAD_BYTES)
    stream.seek(0)
    return head


async def _upload_image(
    member: User,
    file: UploadedFile,
    sniffed: sniff.Sniffed,
    purpose: MediaPurpose,
    alt: str,
    filename: str,
    settings: Settings,
    storage: Storage,
) -> MediaFile:
    data = await asyncio.to_thread(_read_all, file.stream)
    source_sha = hashlib.sha256(data).hexdigest()
    before = await _processed_before(source_sha, settings, storage)
    if before is not None:
        fields, variants = before
        await check_quota(member, sum(v.size for v in variants), settings=settings)
        created = await _record(member, purpose, alt, filename, source_sha, fields, variants, settings, storage, [])
        if not all(storage.exists(v.sha256) for v in variants):
            # The last other record using them was deleted meanwhile: process and store again
            # (processing is deterministic, so the blobs get the names the rows hold).
            for rendition in (await _process(data, sniffed, settings)).renditions:
                await asyncio.to_thread(storage.put_bytes, rendition.data)
        return created
    processed = await _process(data, sniffed, settings)
    renditions = processed.renditions
    await check_quota(member, sum(len(r.data) for r in renditions), settings=settings)
    del data
    original = processed.original
    new_blobs: list[str] = []
    variants = []
    for rendition in renditions:
        stored = await asyncio.to_thread(storage.put_bytes, rendition.data)
        if stored.created:
            new_blobs.append(stored.sha256)
        variants.append(
            MediaVariant(
                name=rendition.name,
                sha256=stored.sha256,
                mime_type=rendition.mime_type,
                size=len(rendition.data),
                width=rendition.width,
                height=rendition.height,
            )
        )
    fields = dict(
        kind=MediaKind.IMAGE,
        mime_type=original.mime_type,
        size=len(original.data),
        sha256=variants[0].sha256,
        width=processed.width,
        height=processed.height,
        animated=processed.animated,
        placeholder_color=processed.placeholder_color,
        placeholder=processed.placeholder,
    )
    created = await _record(member, purpose, alt, filename, source_sha, fields, variants, settings, storage, new_blobs)
    await restore_missing(storage, [(v.sha256, r.data) for v, r in zip(variants, renditions, strict=True)])
    return created


async def _process(data: bytes, sniffed: sniff.Sniffed, settings: Settings) -> ProcessedImage:
    # In a worker process (api.offload, kind "image"), at most MEDIA_PROCESSING_CONCURRENCY at
    # once: decoding takes a few times the pixel count in memory, and Pillow's JPEG encoder
    # holds the GIL for seconds on a large image, so a thread would stall the event loop.
    try:
        return await offload.run(
            "image", process_image, data, sniffed.pillow_format, max_pixels=settings.media_max_image_pixels
        )
    except ImageRejected as exc:
        raise (TooLarge if exc.bomb else Invalid)(str(exc), field="file") from None


async def _processed_before(
    source_sha: str, settings: Settings, storage: Storage
) -> tuple[dict[str, Any], list[MediaVariant]] | None:
    """What processing these exact bytes gave last time, when all its blobs are still stored:
    a second upload of the same image costs no decoding. Limits are those of today."""
    earlier = await MediaFile.filter(source_sha256=source_sha, kind=MediaKind.IMAGE).order_by("-id").first()
    if earlier is None or (earlier.width or 0) * (earlier.height or 0) > settings.media_max_image_pixels:
        return None
    rows = await MediaVariant.filter(media_file_id=earlier.id)
    if not rows or not all(storage.exists(row.sha256) for row in rows):
        return None
    fields = {
        name: getattr(earlier, name)
        for name in (
            "kind",
            "mime_type",
            "size",
            "sha256",
            "width",
            "height",
            "animated",
            "placeholder_color",
            "placeholder",
        )
    }
    variants = [
        MediaVariant(name=r.name, sha256=r.sha256, mime_type=r.mime_type, size=r.size, width=r.width, height=r.height)
        for r in rows
    ]
    return fields, variants


def _read_all(stream: BinaryIO) -> bytes:
    stream.seek(0)
    return stream.read()


async def _upload_other(
    member: User,
    file: UploadedFile,
    sniffed: sniff.Sniffed,
    size: int,
    purpose: MediaPurpose,
    alt: str,
    filename: str,
    settings: Settings,
    storage: Storage,
) -> MediaFile:
    await check_quota(member, size, settings=settings)
    duration = await asyncio.to_thread(sniff.duration, sniffed, file.stream, size)
    file.stream.seek(0)
    try:
        stored = await asyncio.to_thread(storage.put_stream, file.stream, max_bytes(settings, sniffed.kind))
    except BlobTooLarge:  # the stream grew after it was measured
        raise TooLarge("The file is too large.", field="file") from None
    variant = MediaVariant(name="original", sha256=stored.sha256, mime_type=sniffed.mime_type, size=stored.size)
    fields = dict(
        kind=sniffed.kind, mime_type=sniffed.mime_type, size=stored.size, sha256=stored.sha256, duration=duration
    )
    created = await _record(
        member,
        purpose,
        alt,
        filename,
        stored.sha256,
        fields,
        [variant],
        settings,
        storage,
        [stored.sha256] if stored.created else [],
    )
    if not storage.exists(stored.sha256):
        file.stream.seek(0)
        await asyncio.to_thread(storage.put_stream, file.stream, max_bytes(settings, sniffed.kind))
    return created


async def _record(
    member: User,
    purpose: MediaPurpose,
    alt: str,
    filename: str,
    source_sha: str,
    fields: dict[str, Any],
    variants: list[MediaVariant],
    settings: Settings,
    storage: Storage,
    new_blobs: list[str],
) -> MediaFile:
    """Insert the rows; the quota is checked again under a lock on the member's row, so two
    concurrent uploads cannot both use the last free bytes. On failure, blobs this upload
    created (and no row names) are removed."""
    try:
        async with transaction():
            await User.filter(id=member.id).select_for_update().first()
            await check_quota(member, sum(v.size for v in variants), settings=settings)
            # Private until something public uses it (api.domain.attachments) or it becomes an
            # avatar: a fresh upload is its owner's (and staff's) alone.
            media_file = await MediaFile.create(
                owner_id=member.id,
                purpose=purpose,
                alt=alt,
                filename=filename,
                source_sha256=source_sha,
                private=True,
                **fields,
            )
            for variant in variants:
                variant.media_file_id = media_file.id
            await MediaVariant.bulk_create(variants)
    except BaseException:
        await delete_unused_blobs(storage, new_blobs)
        raise
    return media_file
