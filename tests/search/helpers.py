"""Building searchable content quickly through the domain rules."""

from __future__ import annotations

from typing import Any

from api.domain.kb.articles import ArticleInput, create_article, publish_article
from api.models.accounts import Visibility
from api.settings import Settings
from search.worker import drain


async def published(author: Any, settings: Settings, title: str, body: str, **fields: Any) -> Any:
    article = await create_article(author, ArticleInput(title=title, body=body, **fields), settings=settings)
    return await publish_article(author, article.id, settings=settings)


async def private(author: Any, settings: Settings, title: str, body: str, roles: list[str]) -> Any:
    return await published(author, settings, title, body, visibility=Visibility.PRIVATE, allowed_roles=roles)


async def sync(settings: Settings) -> int:
    """Push the outbox; tests then see the index as the worker would leave it."""
    return await drain(settings)
