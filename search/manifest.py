"""Manifest of search: the outbox and its worker, index settings, rebuilds, the search API.

Search is a library: the document kinds come from the domains' manifests (`search_kinds=`)."""

from api.registry import Domain, Job
from search.commands import REINDEX
from search.metrics import SEARCH_OUTBOX
from search.startup import prepare_indexes
from search.worker import outbox_job

DOMAIN = Domain(
    name="search",
    doc="Meilisearch indexes fed by a transactional outbox; search and tenant tokens.",
    models=("api.models.search",),
    schema="schema.search",
    jobs=(Job("search.outbox", outbox_job, interval=1.0),),
    commands=(REINDEX,),
    startup=(prepare_indexes,),
    outboxes=(SEARCH_OUTBOX,),
)
