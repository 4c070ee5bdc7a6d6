"""GraphQL types of the knowledge base: categories, articles, revisions, diffs, resources."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from api.domain.kb import access
from api.domain.kb.media import article_is_public
from api.domain.kb.revisions import LineChange as LineChangeModel
from api.domain.kb.text import roles_list
from api.models import kb as models
from api.models.accounts import Committee as CommitteeModel
from api.models.accounts import User as UserModel
from api.policies import is_staff
from schema.accounts import User
from schema.context import Info
from schema.enums import Visibility, described_enum
from schema.kb import loaders
from schema.media import embedded_html
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate

if TYPE_CHECKING:
    from schema.governance.types import Committee
    from schema.growth.share import OpenGraph
    from schema.media import MediaFile

ArticleStatus = models.ArticleStatus
described_enum(
    ArticleStatus,
    name="ArticleStatus",
    description="Where an article is in its life.",
    values={
        "DRAFT": "Being written: only its authors and staff see it.",
        "PUBLISHED": "Readable according to its visibility, and searchable.",
        "ARCHIVED": "Kept for reference and still readable, but outdated.",
    },
)
ResourceKind = models.ResourceKind
described_enum(
    ResourceKind,
    name="ResourceKind",
    description="What a resource library entry is.",
    values={
        "IMAGE": "A picture.",
        "AUDIO": "A recording.",
        "VIDEO": "A video.",
        "DOCUMENT": "A document such as a PDF.",
        "LINK": "A link to a page elsewhere.",
    },
)
LineChange = LineChangeModel
described_enum(
    LineChange,
    name="LineChange",
    description="How a line differs between two revisions.",
    values={
        "SAME": "In both revisions.",
        "ADDED": "Only in the newer revision.",
        "REMOVED": "Only in the older revision.",
    },
)


@strawberry.type(description="A node of the knowledge-base category tree.")
class KbCategory(ModelNode):
    model = models.Category

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Shown name.")
    slug: str = strawberry.field(description="Unique URL-safe name.")
    description: str = strawberry.field(description="What belongs here.")
    position: int = strawberry.field(description="Order among its siblings (ascending).")
    created_at: datetime = strawberry.field(description="When it was created.")

    @strawberry.field(description="The parent category, or null at the top level.")
    @staticmethod
    async def parent(root: strawberry.Parent[models.Category], info: Info) -> KbCategory | None:
        tree = await loaders.category_tree(info)
        return tree.by_id.get(root.parent_id)

    @strawberry.field(description="The direct subcategories, in order.")
    @staticmethod
    async def children(root: strawberry.Parent[models.Category], info: Info) -> list[KbCategory]:
        tree = await loaders.category_tree(info)
        return tree.children.get(root.id, [])

    @strawberry.field(description="The categories from the top level down to this one (included).")
    @staticmethod
    async def path(root: strawberry.Parent[models.Category], info: Info) -> list[KbCategory]:
        tree = await loaders.category_tree(info)
        return tree.path(root.id)

    @strawberry.field(description="Articles of this category the viewer may read, newest change first.")
    @staticmethod
    async def articles(
        root: strawberry.Parent[models.Category],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Article]:
        query = await loaders.readable_articles(info)
        return await paginate(
            info, query.filter(category_id=root.id), first=first, after=after, last=last, before=before
        )


@strawberry.type(description="A knowledge-base article (Markdown), with its history of revisions.")
class Article(ModelNode):
    model = models.Article

    id: relay.NodeID[int]

    @strawberry.field(description="Open Graph share card; null unless anonymous visitors may read it.")
    async def og(self, info: Info) -> Annotated[OpenGraph, strawberry.lazy("schema.growth.share")] | None:
        from schema.growth.share import og_of

        return await og_of(info, self, "Article")

    title: str = strawberry.field(description="Title.")
    slug: str = strawberry.field(description="Unique URL-safe name (kept when the title changes).")
    body: str = strawberry.field(description="The Markdown text as written.")
    summary: str = strawberry.field(description="A short abstract shown in lists and search results.")
    tags: list[str] = strawberry.field(description="Tags, lower-case.")
    status: ArticleStatus = strawberry.field(description="DRAFT, PUBLISHED or ARCHIVED.")
    visibility: Visibility = strawberry.field(description="Who may read it once published.")
    revision_number: int = strawberry.field(description="Number of the current revision (1 for a new article).")
    hidden: bool = strawberry.field(description="Hidden by a moderator: only staff see it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    published_at: datetime | None = strawberry.field(description="When it was first published.")

    @strawberry.field(
        description="The body rendered to sanitized HTML. While the article is not public, "
        "the URLs of the uploads it embeds are signed and expire."
    )
    async def body_html(self, info: Info) -> str:
        return await embedded_html(info, self.body_html, "Article", self.id, article_is_public(self))

    @strawberry.field(description="Roles that may read it when PRIVATE (admins always may).")
    @staticmethod
    def allowed_roles(root: strawberry.Parent[models.Article]) -> list[str]:
        return roles_list(root.allowed_roles)

    @strawberry.field(description="Its category, if any.")
    @staticmethod
    async def category(root: strawberry.Parent[models.Article], info: Info) -> KbCategory | None:
        tree = await loaders.category_tree(info)
        return tree.by_id.get(root.category_id)

    @strawberry.field(description="The committee whose members may read it when PRIVATE, if any.")
    @staticmethod
    async def committee(
        root: strawberry.Parent[models.Article],
        info: Info,
    ) -> Annotated[Committee, strawberry.lazy("schema.governance.types")] | None:
        if root.committee_id is None:
            return None
        row = await info.context.loaders.by_id(CommitteeModel).load(root.committee_id)
        from schema.governance.types import Committee as CommitteeType

        return next(iter(await CommitteeType.visible(info, [row] if row else [])), None)

    @strawberry.field(description="The members credited as authors (everyone who saved a revision), in order.")
    @staticmethod
    async def authors(root: strawberry.Parent[models.Article], info: Info) -> list[User]:
        return await loaders.authors(info).load(root.id)

    @strawberry.field(description="Whether the viewer may edit, publish, archive and restore it.")
    async def viewer_can_edit(self, info: Info) -> bool:
        viewer = info.context.viewer
        if viewer is None:
            return False
        authors = {u.id for u in await loaders.authors(info).load(self.id)}
        if is_staff(viewer) or viewer.id in authors:
            return True
        return await access.may_edit_article(
            viewer,
            self,
            settings=info.context.settings,
            author_ids=authors,
            reputation=await loaders.viewer_reputation(info),
        )

    @strawberry.field(description="Its revisions, newest first.")
    @staticmethod
    async def revisions(
        root: strawberry.Parent[models.Article],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ArticleRevision]:
        query = models.ArticleRevision.filter(article_id=root.id).order_by("-number")
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type(description="One saved state of an article: who saved it, when and why.")
class ArticleRevision(ModelNode):
    model = models.ArticleRevision

    id: relay.NodeID[int]
    number: int = strawberry.field(description="1 for the first save, then 2, 3...")
    title: str = strawberry.field(description="The title as saved.")
    body: str = strawberry.field(description="The Markdown body as saved.")
    summary: str = strawberry.field(description="The summary as saved.")
    tags: list[str] = strawberry.field(description="The tags as saved.")
    message: str = strawberry.field(description="The editor's note about the change.")
    restored_from: int | None = strawberry.field(description="Number of the revision this one restored, if any.")
    created_at: datetime = strawberry.field(description="When it was saved.")

    @strawberry.field(description="Who saved it.")
    @staticmethod
    async def author(root: strawberry.Parent[models.ArticleRevision], info: Info) -> User | None:
        if root.author_id is None:
            return None
        return await info.context.loaders.by_id(UserModel).load(root.author_id)

    @strawberry.field(description="The article it belongs to.")
    @staticmethod
    async def article(root: strawberry.Parent[models.ArticleRevision], info: Info) -> Article | None:
        return await info.context.loaders.by_id(models.Article).load(root.article_id)


@strawberry.type(description="A line of a revision diff.")
class DiffLine:
    change: LineChange = strawberry.field(description="SAME, ADDED or REMOVED.")
    text: str = strawberry.field(description="The line's text.")
    old_number: int | None = strawberry.field(description="Line number in the older revision, if there.")
    new_number: int | None = strawberry.field(description="Line number in the newer revision, if there.")


@strawberry.type(description="What changed between two revisions of an article.")
class RevisionDiff:
    old: ArticleRevision = strawberry.field(description="The revision compared from.")
    new: ArticleRevision = strawberry.field(description="The revision compared to.")
    title_changed: bool = strawberry.field(description="Whether the title differs.")
    summary_changed: bool = strawberry.field(description="Whether the summary differs.")
    tags_added: list[str] = strawberry.field(description="Tags only in the newer revision.")
    tags_removed: list[str] = strawberry.field(description="Tags only in the older revision.")
    added: int = strawberry.field(description="Number of body lines added.")
    removed: int = strawberry.field(description="Number of body lines removed.")
    lines: list[DiffLine] = strawberry.field(description="The body, line by line, with changes marked.")
    unified: str = strawberry.field(description="The body change as a unified diff.")


@strawberry.type(description="A resource library entry: a media file or a link, with a category and tags.")
class Resource(ModelNode):
    model = models.Resource

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title.")
    description: str = strawberry.field(description="What it is and why it is useful.")
    kind: ResourceKind = strawberry.field(description="IMAGE, AUDIO, VIDEO, DOCUMENT or LINK.")
    url: str = strawberry.field(description="The link (LINK) or an external copy; empty when a media file is attached.")
    tags: list[str] = strawberry.field(description="Tags, lower-case.")
    visibility: Visibility = strawberry.field(description="Who may see it.")
    hidden: bool = strawberry.field(description="Hidden by a moderator: only staff see it.")
    created_at: datetime = strawberry.field(description="When it was added.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @strawberry.field(description="Roles that may see it when PRIVATE (admins always may).")
    @staticmethod
    def allowed_roles(root: strawberry.Parent[models.Resource]) -> list[str]:
        return roles_list(root.allowed_roles)

    @strawberry.field(description="Its category, if any.")
    @staticmethod
    async def category(root: strawberry.Parent[models.Resource], info: Info) -> KbCategory | None:
        tree = await loaders.category_tree(info)
        return tree.by_id.get(root.category_id)

    @strawberry.field(description="The attached media file, if any.")
    @staticmethod
    async def media(
        root: strawberry.Parent[models.Resource], info: Info
    ) -> Annotated[MediaFile, strawberry.lazy("schema.media")] | None:
        if root.media_id is None:
            return None
        from api.models.media import MediaFile as MediaModel

        return await info.context.loaders.by_id(MediaModel).load(root.media_id)

    @strawberry.field(description="The member who added it.")
    @staticmethod
    async def created_by(root: strawberry.Parent[models.Resource], info: Info) -> User | None:
        if root.created_by_id is None:
            return None
        return await info.context.loaders.by_id(UserModel).load(root.created_by_id)
