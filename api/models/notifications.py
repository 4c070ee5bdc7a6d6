"""Stored notifications of members (replies, mentions, outcomes, reminders...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import User


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="notifications", on_delete=fields.CASCADE
    )
    user_id: int
    # A dotted kind such as "forum.reply", "forum.mention", "moderation.report_resolved".
    kind = fields.CharField(max_length=64)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="notifications_caused", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    # The object the notification is about, as a GraphQL type name and database id.
    subject_type = fields.CharField(max_length=64, default="")
    subject_id = fields.IntField(null=True)
    message = fields.TextField(default="")
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = (("user_id", "read_at"),)
