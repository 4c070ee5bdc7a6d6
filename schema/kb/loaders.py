"""Per-request data of the knowledge base: the category tree (one query), authors of articles
(batched), and the viewer's committees and reputation (once per request)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.queryset import QuerySet

from api.domain.kb import access
from api.models.kb import Article, ArticleAuthor, Category
from api.policy import visible
from schema.context import Info


@dataclass
class CategoryTree:
    by_id: dict[int | None, Category] = field(default_factory=dict)
    children: dict[int | None, list[Category]] = field(default_factory=lambda: defaultdict(list))

    def path(self, category_id: int) -> list[Category]:
        chain: list[Category] = []
        current = self.by_id.get(category_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.by_id.get(current.parent_id)
        return list(reversed(chain))


async def _once(info: Info, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
    """`load()` at most once per request, even when many resolvers ask at the same time
    (they share one task instead of each running the query)."""
    memo = info.context.memo
    if key not in memo:
        memo[key] = asyncio.ensure_future(load())
    return await memo[key]


async def category_tree(info: Info) -> CategoryTree:
    async def load() -> CategoryTree:
        tree = CategoryTree()
        for category in await Category.all().order_by("position", "name", "id"):
            tree.by_id[category.id] = category
            tree.children[category.parent_id].append(category)
        return tree

    return await _once(info, "kb.categories", load)


def authors(info: Info) -> DataLoader:
    async def batch(article_ids: list[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        links = ArticleAuthor.filter(article_id__in=set(article_ids)).select_related("user").order_by("id")
        for link in await links:
            grouped[link.article_id].append(link.user)
        return [grouped.get(i, []) for i in article_ids]

    return info.context.loaders.custom("kb.authors", batch)


async def viewer_reputation(info: Info) -> int:
    viewer = info.context.viewer
    if viewer is None:
        return 0
    return await _once(info, "kb.reputation", lambda: access.reputation_of(viewer.id))


async def readable_articles(info: Info) -> QuerySet:
    """Articles the viewer may read (the read policy), newest change first, to refine and page."""
    return (await visible(Article, info.context.viewer, info.context.memo)).order_by("-updated_at", "-id")
