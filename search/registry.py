"""Document kinds: which index each searchable object goes to and how it becomes a document.

A domain declares its kinds in its manifest (`search_kinds=`):

    TOPICS = DocumentKind(name="topic", index="topics", load=load_topics, all_ids=..., settings={...})

`load(ids)` returns the documents of the ids that should be in the index now (deleted or
hidden objects are simply absent: the worker deletes their documents). Every document has
`id`, `kind`, and the visibility fields the query filter uses: `visibility` (PUBLIC, MEMBERS,
PRIVATE), `allowed_roles` (list, for PRIVATE), `committee_ids` (list, for PRIVATE).

The query API filters, facets and sorts on these common attributes when a document has them
(`search.indexes.COMMON_FILTERABLE`): `space_id`, `category_id`, `tags` (list of strings),
`author_ids` (list), `status`, `created_at` and `updated_at` (seconds since the epoch).
A kind's `settings` add its own `searchableAttributes` (in ranking order) and may extend
`filterableAttributes`/`sortableAttributes`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Loader = Callable[[list[int]], Awaitable[list[dict[str, Any]]]]
AllIds = Callable[[], Awaitable[list[int]]]


@dataclass(frozen=True)
class DocumentKind:
    name: str  # kind stored in outbox rows and in documents' `kind`
    index: str  # index uid without the installation prefix
    load: Loader
    all_ids: AllIds  # every id that may have a document (used by reindex)
    settings: dict[str, Any] = field(default_factory=dict)  # Meilisearch index settings


def kinds() -> dict[str, DocumentKind]:
    """The document kinds of every installed domain, by name."""
    from api.registry import registry

    return registry().search_kinds
