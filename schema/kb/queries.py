"""Knowledge-base queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.kb import revisions as revisions_domain
from api.domain.kb.access import readable_resources_q
from api.models import kb as models
from schema.context import Info
from schema.kb import loaders
from schema.kb.types import Article, ArticleStatus, KbCategory, Resource, ResourceKind, RevisionDiff
from schema.relay import After, Before, Connection, First, Last, decode_global_id, paginate


def _id(value: strawberry.ID, type_name: str) -> int:
    return decode_global_id(value, type_name)[1]


@strawberry.type
class Query:
    @strawberry.field(description="An article by slug, if the viewer may read it.")
    async def article(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The article's slug.")],
    ) -> Article | None:
        row = await models.Article.filter(slug=slug).first()
        if row is None:
            return None
        return next(iter(await Article.visible(info, [row])), None)

    @strawberry.field(description="Articles the viewer may read, most recently changed first.")
    async def articles(
        self,
        info: Info,
        category_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this category (not its subcategories).")
        ] = None,
        status: Annotated[
            ArticleStatus | None,
            strawberry.argument(description="Only this status (drafts: the viewer's own, or all for staff)."),
        ] = None,
        author_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only articles this member is an author of.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Article]:
        query = await loaders.readable_articles(info)
        if category_id is not None:
            query = query.filter(category_id=_id(category_id, "KbCategory"))
        if status is not None:
            query = query.filter(status=models.ArticleStatus(status))
        if author_id is not None:
            query = query.filter(author_links__user_id=_id(author_id, "User"))
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Knowledge-base categories under a parent (top level by default), in order.")
    async def kb_categories(
        self,
        info: Info,
        parent_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="List the subcategories of this category instead of the top level."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[KbCategory]:
        query = models.Category.all().order_by("position", "name", "id")
        if parent_id is None:
            query = query.filter(parent_id__isnull=True)
        else:
            query = query.filter(parent_id=_id(parent_id, "KbCategory"))
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Resource library entries the viewer may see, newest first.")
    async def resources(
        self,
        info: Info,
        kind: Annotated[ResourceKind | None, strawberry.argument(description="Only this kind.")] = None,
        category_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this category.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Resource]:
        query = models.Resource.filter(readable_resources_q(info.context.viewer)).order_by("-created_at", "-id")
        if kind is not None:
            query = query.filter(kind=models.ResourceKind(kind))
        if category_id is not None:
            query = query.filter(category_id=_id(category_id, "KbCategory"))
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="What changed between two revisions of one article.")
    async def revision_diff(
        self,
        info: Info,
        from_revision_id: Annotated[strawberry.ID, strawberry.argument(description="The older revision.")],
        to_revision_id: Annotated[strawberry.ID, strawberry.argument(description="The newer revision.")],
    ) -> RevisionDiff:
        diff = await revisions_domain.diff_revisions(
            info.context.viewer,
            _id(from_revision_id, "ArticleRevision"),
            _id(to_revision_id, "ArticleRevision"),
            info.context.settings,
        )
        return RevisionDiff(
            old=diff.old,
            new=diff.new,
            title_changed=diff.title_changed,
            summary_changed=diff.summary_changed,
            tags_added=diff.tags_added,
            tags_removed=diff.tags_removed,
            added=diff.added,
            removed=diff.removed,
            lines=diff.lines,
            unified=diff.unified,
        )
