"""Record the media uses of content that exists already (made before uses were recorded, or
written behind the domain's back), so the privacy of every file follows its content."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from tortoise.models import Model

from api.db import column
from api.domain.forum.media import sync_posts, sync_topics
from api.domain.kb.media import sync_articles, sync_resources
from api.models.forum import Post, Topic
from api.models.kb import Article, Resource
from api.transactions import transaction

BATCH = 500

_KINDS: list[tuple[str, type[Model], Callable[[Iterable[int]], Awaitable[None]]]] = [
    ("Resource", Resource, sync_resources),
    ("Article", Article, sync_articles),
    ("Topic", Topic, sync_topics),
    ("Post", Post, sync_posts),
]


async def backfill(batch: int = BATCH) -> dict[str, int]:
    """Record the uses of every resource, article, topic and post, a batch per transaction;
    returns how many items of each kind were looked at. Safe to run again."""
    counts: dict[str, int] = {}
    for name, model, sync in _KINDS:
        last, counts[name] = 0, 0
        while True:
            ids = list(await column(model.filter(id__gt=last).order_by("id").limit(batch), "id"))
            if not ids:
                break
            async with transaction():
                await sync(ids)
            counts[name] += len(ids)
            last = ids[-1]
    return counts
