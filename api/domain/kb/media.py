"""Media files of the knowledge base: a resource's file and the uploads an article embeds are
private while what uses them is not public (a restricted or hidden resource; a draft, restricted
or hidden article), and members who may read the resource or article may read them."""

from __future__ import annotations

from collections.abc import Iterable

from api.domain import attachments
from api.domain.kb import access
from api.models.accounts import User
from api.models.kb import Article, ArticleAuthor, ArticleStatus, Resource
from api.models.media import MediaFile


def resource_is_public(resource: Resource) -> bool:
    return access.visibility_allows(None, resource, set())


def article_is_public(article: Article) -> bool:
    return access.can_read_article(None, article, author_ids=(), committees=set())


async def sync_resources(resource_ids: Iterable[int]) -> None:
    """Record the file of each resource (a deleted one uses nothing) with its publicness."""
    ids = set(resource_ids)
    rows = {r.id: r for r in await Resource.filter(id__in=ids)}
    await attachments.record(
        "Resource",
        {
            i: attachments.Use(resource_is_public(rows[i]), {media_id} if (media_id := rows[i].media_id) else set())
            if i in rows
            else attachments.Use(False)
            for i in ids
        },
    )


async def sync_articles(article_ids: Iterable[int], *, body_changed: bool = True) -> None:
    """Record the uploads each article embeds (its authors' own) with its publicness; with
    `body_changed=False` only the publicness is refreshed."""
    ids = set(article_ids)
    rows = {a.id: a for a in await Article.filter(id__in=ids)}
    if not body_changed:
        await attachments.set_public("Article", {i: article_is_public(a) for i, a in rows.items()})
        return
    owners: dict[int, set[int]] = {i: {a.created_by_id} if a.created_by_id else set() for i, a in rows.items()}
    for article_id, user_id in await ArticleAuthor.filter(article_id__in=list(rows)).values_list(
        "article_id", "user_id"
    ):
        owners[article_id].add(user_id)
    embedded = await attachments.embedded_uploads({i: a.body for i, a in rows.items()}, owners)
    await attachments.record(
        "Article",
        {
            i: attachments.Use(article_is_public(rows[i]), embedded[i]) if i in rows else attachments.Use(False)
            for i in ids
        },
    )


async def kb_reader(viewer: User, files: list[MediaFile]) -> set[int]:
    """Files of resources and articles the viewer may read."""
    uses = await attachments.uses_of([f.id for f in files], ["Resource", "Article"])
    allowed: set[int] = set()
    resource_uses = uses.get("Resource", {})
    if resource_uses:
        for resource in await Resource.filter(id__in=list(resource_uses)):
            if access.visibility_allows(viewer, resource, set()):
                allowed |= resource_uses[resource.id]
    article_uses = uses.get("Article", {})
    if article_uses:
        articles = await Article.filter(id__in=list(article_uses))
        drafts = [a.id for a in articles if a.status == ArticleStatus.DRAFT]
        authors: dict[int, set[int]] = {}
        for article_id, user_id in (
            await ArticleAuthor.filter(article_id__in=drafts).values_list("article_id", "user_id") if drafts else []
        ):
            authors.setdefault(article_id, set()).add(user_id)
        committees = await access.committee_ids(viewer)
        for article in articles:
            if access.can_read_article(
                viewer, article, author_ids=authors.get(article.id, set()), committees=committees
            ):
                allowed |= article_uses[article.id]
    return allowed
