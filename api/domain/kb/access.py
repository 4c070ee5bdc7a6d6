"""Who may read and edit knowledge-base items.

Reading: hidden items (by a moderator) are seen by staff only; drafts by their authors and staff; published and archived articles
follow their visibility (PUBLIC, MEMBERS, PRIVATE to listed roles or committee members; admins
see everything). Editing: authors, moderators and admins, and members whose reputation
reaches REPUTATION_TO_EDIT_OTHERS (published and archived articles only).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api.db import column
from api.domain.kb.text import roles_list
from api.errors import Forbidden, NotFound
from api.models.accounts import Role, User, Visibility
from api.models.kb import Article, ArticleAuthor, ArticleRevision, ArticleStatus, Category, Resource
from api.policies import can_see, committee_seats, is_admin, is_staff
from api.policy import ReadPolicy, everyone, through
from api.settings import Settings

READABLE_STATUSES = (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED)


async def reputation_of(user_id: int) -> int:
    """A member's reputation, from the forum's ledger (the one source of truth)."""
    from api.domain.forum.qa import reputation_of as forum_reputation

    return await forum_reputation(user_id)


async def committee_ids(user: User | None, memo: dict[str, Any] | None = None) -> set[int]:
    return set(await committee_seats(user, memo))


def visibility_allows(viewer: User | None, item: Article | Resource, committees: set[int]) -> bool:
    if item.hidden and not is_staff(viewer):
        return False
    listed = getattr(item, "committee_id", None) in committees if committees else False
    return can_see(viewer, item.visibility, allowed_roles=roles_list(item.allowed_roles), is_listed=listed)


def can_read_article(viewer: User | None, article: Article, *, author_ids: Iterable[int], committees: set[int]) -> bool:
    if article.hidden and not is_staff(viewer):
        return False
    if article.status == ArticleStatus.DRAFT:
        return viewer is not None and (is_staff(viewer) or viewer.id in set(author_ids))
    return visibility_allows(viewer, article, committees)


def readable_articles_q(viewer: User | None, committees: set[int]) -> Q:
    """The same rule as `can_read_article`, as a database filter (for lists)."""
    published = Q(status__in=list(READABLE_STATUSES))
    if not is_staff(viewer):
        published &= Q(hidden=False)
    if viewer is None:
        return published & Q(visibility=Visibility.PUBLIC)
    if is_admin(viewer):
        return Q(status__in=list(READABLE_STATUSES)) | Q(status=ArticleStatus.DRAFT)
    private = Q(visibility=Visibility.PRIVATE) & (
        Q(allowed_roles__contains=f",{Role(viewer.role).value},") | Q(committee_id__in=list(committees) or [0])
    )
    seen = published & (Q(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS]) | private)
    drafts = Q(status=ArticleStatus.DRAFT)
    if not is_staff(viewer):
        # A subquery, not a join: a join would repeat articles and need DISTINCT.
        drafts &= Q(id__in=Subquery(ArticleAuthor.filter(user_id=viewer.id).values("article_id")), hidden=False)
    return seen | drafts


def readable_resources_q(viewer: User | None) -> Q:
    if viewer is None:
        return Q(visibility=Visibility.PUBLIC, hidden=False)
    if is_admin(viewer):
        return Q()
    readable = Q(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS]) | (
        Q(visibility=Visibility.PRIVATE) & Q(allowed_roles__contains=f",{Role(viewer.role).value},")
    )
    return readable if is_staff(viewer) else readable & Q(hidden=False)


async def author_ids_of(article_id: int) -> set[int]:
    return set(await column(ArticleAuthor.filter(article_id=article_id), "user_id"))


async def may_edit_article(
    user: User | None,
    article: Article,
    *,
    author_ids: set[int] | None = None,
    reputation: int | None = None,
    settings: Settings,
) -> bool:
    if user is None:
        return False
    if author_ids is None:
        author_ids = await author_ids_of(article.id)
    if is_staff(user) or user.id in author_ids:
        return True
    if article.status == ArticleStatus.DRAFT:
        return False
    if user.trust_level >= settings.trust_level_to_edit_others:
        return True
    if reputation is None:
        reputation = await reputation_of(user.id)
    return reputation >= settings.reputation_to_edit_others


async def readable_article(
    viewer: User | None, article_id: int, *, field: str = "articleId", for_update: bool = False
) -> Article:
    """The article if the viewer may read it; NotFound otherwise (no existence leak)."""
    query = Article.filter(id=article_id)
    if for_update:
        query = query.select_for_update()
    article = await query.first()
    if article is None or not can_read_article(
        viewer, article, author_ids=await author_ids_of(article.id), committees=await committee_ids(viewer)
    ):
        raise NotFound("No such article.", field=field)
    return article


async def require_edit_article(user: User | None, article: Article, *, settings: Settings) -> None:
    if not await may_edit_article(user, article, settings=settings):
        raise Forbidden("Only the article's authors, moderators and members with enough reputation may edit it.")


def may_edit_resource(user: User | None, resource: Resource) -> bool:
    return user is not None and (is_staff(user) or resource.created_by_id == user.id)


# Read policies (declared in the knowledge base's manifest).


async def visible_articles(viewer: User | None, memo: dict[str, Any]) -> QuerySet[Article]:
    return Article.filter(readable_articles_q(viewer, await committee_ids(viewer, memo)))


async def filter_articles(viewer: User | None, rows: list[Article], memo: dict[str, Any]) -> list[Article]:
    committees = await committee_ids(viewer, memo)
    drafts = [r.id for r in rows if r.status == ArticleStatus.DRAFT]
    authors: dict[int, set[int]] = {i: set() for i in drafts}
    if drafts and viewer is not None:
        for article_id, user_id in await ArticleAuthor.filter(article_id__in=drafts).values_list(
            "article_id", "user_id"
        ):
            authors[article_id].add(user_id)
    return [r for r in rows if can_read_article(viewer, r, author_ids=authors.get(r.id, ()), committees=committees)]


async def visible_resources(viewer: User | None, memo: dict[str, Any]) -> QuerySet[Resource]:
    return Resource.filter(readable_resources_q(viewer))


async def filter_resources(viewer: User | None, rows: list[Resource], memo: dict[str, Any]) -> list[Resource]:
    return [r for r in rows if visibility_allows(viewer, r, set())]


READ_POLICIES = (
    ReadPolicy(
        Article,
        visible_articles,
        filter_articles,
        "Published and archived articles by visibility (PUBLIC, MEMBERS, PRIVATE to listed roles or "
        "committee members; admins all); drafts to their authors and staff; hidden ones to staff.",
    ),
    through(ArticleRevision, Article, "article_id"),
    ReadPolicy(
        Resource,
        visible_resources,
        filter_resources,
        "By visibility (PUBLIC, MEMBERS, PRIVATE to listed roles; admins all); hidden ones to staff.",
    ),
    everyone(Category),
)
