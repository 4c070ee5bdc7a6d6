"""Community settings changed by admins at run time (the environment gives the defaults)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import User


class CommunitySetting(Model):
    """One overridden policy setting, stored as the text its environment variable would hold
    (parsed by the same parser), so a value means the same wherever it is set."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)  # the environment name, e.g. MAX_TITLE_LENGTH
    value = fields.TextField()
    updated_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="community_settings", null=True, on_delete=fields.SET_NULL
    )
    updated_by_id: int | None
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "community_settings"
