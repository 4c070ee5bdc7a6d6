"""Which content uses which media file, and whether that content is public.

A file is private (served by signed URLs only) while it is used and none of the content using
it is public: a resource's file, or an upload embedded in an article, topic or post. One row per
(file, content); `public` is kept up to date by the domains that own the content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.media import MediaFile


class Attachment(Model):
    """One use of a media file by one piece of content (`subject_type` names its GraphQL type)."""

    id = fields.IntField(primary_key=True)
    media_file: fields.ForeignKeyRelation[MediaFile] = fields.ForeignKeyField(
        "media.MediaFile", related_name="attachments", on_delete=fields.CASCADE
    )
    media_file_id: int
    subject_type = fields.CharField(max_length=16)  # "Resource", "Article", "Topic", "Post"
    subject_id = fields.IntField()
    public = fields.BooleanField()  # whether anyone, signed in or not, may read the content

    class Meta:
        table = "media_attachments"
        unique_together = (("media_file", "subject_type", "subject_id"),)
        indexes = (("subject_type", "subject_id"),)
