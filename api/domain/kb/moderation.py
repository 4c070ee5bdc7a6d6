"""Articles and resources as moderatable content (`api.domain.content`): moderators hide,
unhide and delete them like any member content. Hiding takes them out of lists and search."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from api.db import column
from api.domain.content import ContentRef, ContentType
from api.domain.kb.access import readable_article, readable_resources_q
from api.domain.kb.media import sync_articles, sync_resources
from api.errors import NotFound
from api.models.accounts import User
from api.models.kb import Article, ArticleAuthor, Resource
from api.transactions import transaction
from search.outbox import enqueue

# A moderation action on an item: (item id, moderator id).
Action = Callable[[int, int | None], Awaitable[None]]


async def load_articles(ids: list[int]) -> dict[int, ContentRef]:
    first_authors: dict[int, int] = {}
    for link in await ArticleAuthor.filter(article_id__in=ids).order_by("id"):
        first_authors.setdefault(link.article_id, link.user_id)
    return {
        a.id: ContentRef(
            content_type="Article",
            id=a.id,
            author_id=a.created_by_id or first_authors.get(a.id),
            title=a.title,
            text=a.body,
            hidden=a.hidden,
        )
        for a in await Article.filter(id__in=ids)
    }


async def load_resources(ids: list[int]) -> dict[int, ContentRef]:
    return {
        r.id: ContentRef(
            content_type="Resource",
            id=r.id,
            author_id=r.created_by_id,
            title=r.title,
            text=r.description,
            hidden=r.hidden,
        )
        for r in await Resource.filter(id__in=ids)
    }


async def _sync_media(kind: str, item_id: int) -> None:
    """Record an item's media uses after moderation: a hidden item's files become private
    (unless public content uses them too); a deleted item uses nothing any more."""
    if kind == "article":
        await sync_articles([item_id])
    else:
        await sync_resources([item_id])


def _set_hidden(model: type[Article] | type[Resource], kind: str, hidden: bool) -> Action:
    async def action(item_id: int, moderator_id: int | None) -> None:
        async with transaction():
            if await model.filter(id=item_id).update(hidden=hidden):
                await _sync_media(kind, item_id)
                await enqueue(kind, item_id)

    return action


def _delete(model: type[Article] | type[Resource], kind: str) -> Action:
    async def action(item_id: int, moderator_id: int | None) -> None:
        async with transaction():
            if await model.filter(id=item_id).delete():
                await _sync_media(kind, item_id)
                await enqueue(kind, item_id)

    return action


async def can_see_article(viewer: User | None, article_id: int) -> bool:
    try:
        await readable_article(viewer, article_id)
    except NotFound:
        return False
    return True


async def can_see_resource(viewer: User | None, resource_id: int) -> bool:
    return await Resource.filter(readable_resources_q(viewer), id=resource_id).exists()


async def articles_by(user_id: int) -> list[int]:
    """Articles the member started (co-authored articles stay: others wrote them too)."""
    return list(await column(Article.filter(created_by_id=user_id), "id"))


async def resources_by(user_id: int) -> list[int]:
    return list(await column(Resource.filter(created_by_id=user_id), "id"))


ARTICLE = ContentType(
    name="Article",
    load=load_articles,
    hide=_set_hidden(Article, "article", True),
    unhide=_set_hidden(Article, "article", False),
    delete=_delete(Article, "article"),
    can_see=can_see_article,
    authored=articles_by,
)
RESOURCE = ContentType(
    name="Resource",
    load=load_resources,
    hide=_set_hidden(Resource, "resource", True),
    unhide=_set_hidden(Resource, "resource", False),
    delete=_delete(Resource, "resource"),
    can_see=can_see_resource,
    authored=resources_by,
)
