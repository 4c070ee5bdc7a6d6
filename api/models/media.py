"""Uploaded media: one `MediaFile` per upload, one `MediaVariant` per stored blob of it.

Blobs are content-addressed (sha256) in `media.storage`, so two records may share one blob;
a blob is removed from storage only when no variant row names its sha256 any more.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import User


class MediaKind(str, Enum):
    """What the content is, decided from its bytes (never from the name or client type)."""

    IMAGE = "IMAGE"
    AUDIO = "AUDIO"
    VIDEO = "VIDEO"
    DOCUMENT = "DOCUMENT"


class MediaPurpose(str, Enum):
    """What the member uploads the file for; each purpose allows some kinds."""

    AVATAR = "AVATAR"
    POST = "POST"  # pictures embedded in posts and articles
    RESOURCE = "RESOURCE"  # the multimedia resource library


class MediaFile(Model):
    """One upload by one member, after validation and processing."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="media_files", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None
    purpose = fields.CharEnumField(MediaPurpose, max_length=16)
    kind = fields.CharEnumField(MediaKind, max_length=16)
    mime_type = fields.CharField(max_length=64)
    # The stored original (re-encoded for images): its size and sha256 (also its storage key).
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64, db_index=True)
    # sha256 of the bytes as uploaded: a second upload of the same bytes reuses the processing.
    source_sha256 = fields.CharField(max_length=64, db_index=True)
    # The client's file name, cleaned: only for display and Content-Disposition, never for typing.
    filename = fields.CharField(max_length=255, default="")
    alt = fields.TextField(default="")
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    duration = fields.FloatField(null=True)  # seconds, when the container states it
    animated = fields.BooleanField(default=False)
    placeholder_color = fields.CharField(max_length=7, default="")  # "#rrggbb"
    placeholder = fields.TextField(default="")  # tiny WebP data: URI for progressive loading
    # Attached to something not public: served only through signed, expiring URLs.
    private = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "media_files"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind.value} {self.sha256[:12]}"


class MediaVariant(Model):
    """One stored blob of a media file: the original or a resized WebP rendition."""

    id = fields.IntField(primary_key=True)
    media_file: fields.ForeignKeyRelation[MediaFile] = fields.ForeignKeyField(
        "media.MediaFile", related_name="variants", on_delete=fields.CASCADE
    )
    media_file_id: int
    name = fields.CharField(max_length=16)  # "original", "w160", "w640", "w1280"
    sha256 = fields.CharField(max_length=64, db_index=True)
    mime_type = fields.CharField(max_length=64)
    size = fields.BigIntField()
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)

    class Meta:
        table = "media_variants"
        ordering = ["id"]
        unique_together = (("media_file", "name"),)
