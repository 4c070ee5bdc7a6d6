"""The transactional outbox of search index changes, and admin-edited search settings."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class SearchOutbox(Model):
    """A change to push to Meilisearch, written in the same transaction as the change itself.

    The worker claims rows (row locks on PostgreSQL), loads the current state of each object
    from the database and upserts or deletes its document, so rows only name *what* changed."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=32)  # a document kind of `search.registry`
    object_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    claimed_until = fields.DatetimeField(null=True)

    class Meta:
        table = "search_outbox"
        ordering = ["id"]
        indexes = (("kind", "object_id"), ("next_attempt_at",))


class SearchSetting(Model):
    """Search state kept in the database: admin-edited synonyms, the last push error, and the
    marker of a running rebuild. One row per key; `value` is JSON."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    value: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "search_settings"


class SearchKey(Model):
    """A Meilisearch API key that signs one member's search tenant tokens (`searchToken`).

    When the member's rights shrink (role, sanction, committee seat) the key is revoked: tokens it
    signed stop working as soon as Meilisearch deletes it (at once, or by the outbox worker when
    Meilisearch was down), and the member's next token is signed by a new key."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    uid = fields.CharField(max_length=36, unique=True)
    key = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    deleted = fields.BooleanField(default=False)  # gone from Meilisearch

    class Meta:
        table = "search_keys"
