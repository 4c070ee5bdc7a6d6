"""Community rules, admission (join requests, invites), reports and the review queue,
pre-moderation filters, the moderation log and announcements."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class Audience(str, Enum):
    ALL = "ALL"  # every member
    ROLE = "ROLE"  # members holding `audience_role` or a higher role
    COMMITTEE = "COMMITTEE"  # current members of `committee`


class Announcement(Model):
    """A notice from staff (or a governance outcome). Visible once `published_at` is set,
    until `expires_at`. Scheduled ones wait with `published_at` null until `publish_at`."""

    id = fields.IntField(primary_key=True)
    author = fields.ForeignKeyField(
        "accounts.User", related_name="announcements", null=True, on_delete=fields.SET_NULL
    )
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    body_html = fields.TextField(default="")
    audience = fields.CharEnumField(Audience, max_length=16, default=Audience.ALL)
    audience_role = fields.CharField(max_length=16, null=True)
    committee = fields.ForeignKeyField(
        "accounts.Committee", related_name="announcements", null=True, on_delete=fields.CASCADE
    )
    pinned = fields.BooleanField(default=False)
    publish_at = fields.DatetimeField()
    # Set exactly once, by whoever publishes it first (the request or the scheduler).
    published_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "announcements"
        ordering = ["-publish_at", "-id"]
        indexes = (("published_at", "publish_at"),)


class AnnouncementRead(Model):
    """That a member has read an announcement (absence = unread)."""

    id = fields.IntField(primary_key=True)
    announcement = fields.ForeignKeyField(
        "moderation.Announcement", related_name="reads", on_delete=fields.CASCADE
    )
    user = fields.ForeignKeyField(
        "accounts.User", related_name="announcement_reads", on_delete=fields.CASCADE
    )
    read_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "announcement_reads"
        unique_together = (("announcement", "user"),)
