"""The transactional outbox of search index changes, and admin-edited search settings."""

from __future__ import annotations

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
