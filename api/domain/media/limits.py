"""What uploads may be: kinds per purpose, bytes per kind, the member's quota, file names."""

from __future__ import annotations

import unicodedata

from api.db import fetch_all
from api.errors import DomainError, ErrorCode
from api.models.accounts import User
from api.models.media import MediaKind, MediaPurpose
from api.settings import Settings

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


def accepted_for(purpose: MediaPurpose) -> str:
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


async def quota_bytes(member: User, settings: Settings) -> int:
    """The member's storage quota: MEDIA_QUOTA_BYTES plus their tier's bonus."""
    from api.domain.media.questions import StorageQuotaBonus
    from api.events import decide

    return settings.media_quota_bytes + await decide(StorageQuotaBonus(user_id=member.id), settings)


async def check_quota(member: User, adding: int, *, settings: Settings) -> None:
    used = await used_bytes(member.id)
    quota = await quota_bytes(member, settings)
    if used + adding > quota:
        raise QuotaExceeded(
            f"This file needs {adding:,} bytes but only {max(quota - used, 0):,} "
            f"bytes of your {quota:,}-byte storage quota are left.",
            field="file",
        )
