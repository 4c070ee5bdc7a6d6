"""Operations registered with `guildhall persist-queries` (a client's persisted query manifest)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class PersistedOperation(Model):
    """A GraphQL document clients may run by its id (with PERSISTED_QUERIES_ONLY, the only ones
    that run at all). Rows are only ever added or pruned by the CLI, never changed."""

    # What clients send as extensions.persistedQuery.sha256Hash: the SHA-256 of the body for
    # Apollo and GraphQL Code Generator manifests, any id for others.
    id = fields.CharField(max_length=128, primary_key=True)
    sha256 = fields.CharField(max_length=64, db_index=True)  # of the body, to recognise it sent whole
    name = fields.CharField(max_length=200, null=True)
    operation_type = fields.CharField(max_length=16)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "persisted_operations"
