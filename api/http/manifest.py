"""Manifest of the HTTP layer's own state: the operations registered for persisted queries."""

from api.http.commands import PERSIST_QUERIES
from api.registry import Domain

DOMAIN = Domain(
    name="persisted",
    doc="Persisted queries: operations registered from clients' manifests (`guildhall persist-queries`).",
    models=("api.models.persisted",),
    commands=(PERSIST_QUERIES,),
)
