"""Index names and settings. Settings are applied by code (start-up, `guildhall reindex`,
`setSearchSynonyms`), never by hand, so every installation searches the same way.

Every document carries the common attributes below (absent ones are simply missing): the
query side filters, facets and sorts on them whatever the kind.
"""

from __future__ import annotations

import logging
from typing import Any

from api.settings import Settings
from search.client import call, get_client
from search.registry import DocumentKind, kinds
from search.state import get_synonyms, mark_synonyms_applied

log = logging.getLogger(__name__)

# Attributes the query API filters on (see search.query) and the visibility filter needs.
COMMON_FILTERABLE = [
    "id",
    "kind",
    "visibility",
    "allowed_roles",
    "committee_ids",
    "space_id",
    "category_id",
    "tags",
    "author_ids",
    "status",
    "created_at",
]
COMMON_SORTABLE = ["created_at", "updated_at"]
# Facets returned by every search.
FACETS = ["kind", "space_id", "tags"]

# Frequent words that carry no meaning on their own, English and Chinese.
STOP_WORDS = [
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "by",
    "for",
    "from",
    "in",
    "is",
    "it",
    "of",
    "on",
    "or",
    "the",
    "to",
    "was",
    "with",
    "的",
    "了",
    "和",
    "是",
    "在",
    "也",
    "就",
    "都",
    "而",
    "及",
]

TYPO_TOLERANCE = {
    "enabled": True,
    "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
    # Exact matches only on identifiers that must not fuzzily collide.
    "disableOnAttributes": ["slug"],
}


def index_uid(settings: Settings, kind: DocumentKind, *, suffix: str = "") -> str:
    return f"{settings.meili_index_prefix}_{kind.index}{suffix}"


def index_settings(kind: DocumentKind, synonyms: dict[str, list[str]]) -> dict[str, Any]:
    """The full settings of `kind`'s index: the kind's own, over the common ones."""
    own = dict(kind.settings)
    filterable = list(dict.fromkeys([*COMMON_FILTERABLE, *own.pop("filterableAttributes", [])]))
    sortable = list(dict.fromkeys([*COMMON_SORTABLE, *own.pop("sortableAttributes", [])]))
    return {
        "filterableAttributes": filterable,
        "sortableAttributes": sortable,
        "typoTolerance": TYPO_TOLERANCE,
        "stopWords": STOP_WORDS,
        "synonyms": synonyms,
        "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}},
        "pagination": {"maxTotalHits": 10_000},
        **own,
    }


async def wait(settings: Settings, task_uid: int) -> None:
    """Wait for a Meilisearch task; raise when it failed."""
    client = get_client(settings)
    task = await call(client.wait_for_task, task_uid, settings.search_task_timeout_seconds * 1000, 50)
    if task.status != "succeeded":
        raise RuntimeError(f"Meilisearch task {task_uid} {task.status}: {task.error}")


async def _existing(settings: Settings) -> set[str]:
    raw = await call(get_client(settings).get_raw_indexes, {"limit": 1000})
    return {i["uid"] for i in raw["results"]}


async def _enqueue_index(
    settings: Settings, uid: str, kind: DocumentKind, synonyms: dict[str, list[str]], existing: set[str]
) -> list[int]:
    client = get_client(settings)
    tasks = []
    if uid not in existing:
        tasks.append((await call(client.create_index, uid, {"primaryKey": "id"})).task_uid)
    tasks.append((await call(client.index(uid).update_settings, index_settings(kind, synonyms))).task_uid)
    return tasks


async def ensure_index(settings: Settings, uid: str, kind: DocumentKind, synonyms: dict[str, list[str]]) -> None:
    """Create the index if missing and apply its settings (idempotent)."""
    for task_uid in await _enqueue_index(settings, uid, kind, synonyms, await _existing(settings)):
        await wait(settings, task_uid)


async def apply_settings(settings: Settings) -> None:
    """Create every kind's index and apply its settings, synonyms included. Every task is
    enqueued first, then awaited: Meilisearch batches them."""
    synonyms = await get_synonyms()
    existing = await _existing(settings)
    tasks: list[int] = []
    for kind in kinds().values():
        tasks += await _enqueue_index(settings, index_uid(settings, kind), kind, synonyms, existing)
    for task_uid in tasks:
        await wait(settings, task_uid)
    await mark_synonyms_applied()
    log.info("search index settings applied (%d kinds)", len(kinds()))
