"""Knowledge-base mutations: thin wrappers over `api.domain.kb`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.kb import articles as articles_domain
from api.domain.kb import categories as categories_domain
from api.domain.kb import resources as resources_domain
from api.models import kb as models
from api.models.accounts import Visibility as VisibilityModel
from schema.accounts import Payload, Role
from schema.context import Info
from schema.enums import Visibility
from schema.kb.types import Article, KbCategory, Resource, ResourceKind
from schema.permissions import Require, guard
from schema.relay import parse_id


def _opt_id(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return None if value is None else parse_id(value, type_name, field)


def _roles(values: list[Role] | None) -> list[str] | None:
    return None if values is None else [getattr(v, "value", v) for v in values]


def _visibility(value: Visibility | None) -> VisibilityModel | None:
    return None if value is None else VisibilityModel(getattr(value, "value", value))


# Categories


@strawberry.input(description="A new knowledge-base category.")
class CreateKbCategoryInput:
    name: str = strawberry.field(description="Shown name, at most 100 characters.")
    description: str = strawberry.field(default="", description="What belongs here.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Parent category; top level if omitted."
    )
    slug: str | None = strawberry.field(default=None, description="URL-safe name; made from the name if omitted.")
    position: int = strawberry.field(default=0, description="Order among its siblings.")


@strawberry.input(description="Changes to a category; omitted fields stay.")
class UpdateKbCategoryInput:
    category_id: strawberry.ID = strawberry.field(description="The category to change.")
    name: str | None = strawberry.field(default=None, description="New name.")
    description: str | None = strawberry.field(default=None, description="New description.")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="Move under this category.")
    move_to_top: bool = strawberry.field(default=False, description="Move to the top level.")
    slug: str | None = strawberry.field(default=None, description="New slug.")
    position: int | None = strawberry.field(default=None, description="New position among its siblings.")


@strawberry.input(description="A category to delete (it must have no subcategories).")
class DeleteKbCategoryInput:
    category_id: strawberry.ID = strawberry.field(description="The category to delete.")


@strawberry.type(description="Result of a category change.")
class KbCategoryPayload(Payload):
    category: KbCategory | None = strawberry.field(default=None, description="The category.")


@strawberry.type(description="Result of `deleteKbCategory`.")
class DeleteKbCategoryPayload(Payload):
    deleted_id: strawberry.ID | None = strawberry.field(default=None, description="Global id of the deleted category.")


# Articles


@strawberry.input(description="A new article; it starts as a draft, saved as revision 1.")
class CreateArticleInput:
    title: str = strawberry.field(description="Title, at most MAX_TITLE_LENGTH characters.")
    body: str = strawberry.field(description="Markdown text, at most MAX_BODY_LENGTH characters.")
    summary: str = strawberry.field(default="", description="Short abstract, at most KB_MAX_SUMMARY_LENGTH.")
    tags: list[str] = strawberry.field(default_factory=list, description="At most KB_MAX_TAGS tags.")
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Its category.")
    slug: str | None = strawberry.field(default=None, description="URL-safe name; made from the title if omitted.")
    visibility: Visibility = strawberry.field(
        default=VisibilityModel.PUBLIC, description="Who may read it once published."
    )
    allowed_roles: list[Role] = strawberry.field(
        default_factory=list, description="Roles that may read it when PRIVATE."
    )
    committee_id: strawberry.ID | None = strawberry.field(
        default=None, description="A committee whose members may read it when PRIVATE."
    )
    message: str = strawberry.field(default="", description="Note about this first revision.")


@strawberry.input(description="A new revision of an article; omitted fields stay as they are.")
class UpdateArticleInput:
    article_id: strawberry.ID = strawberry.field(description="The article.")
    title: str | None = strawberry.field(default=None, description="New title.")
    body: str | None = strawberry.field(default=None, description="New Markdown body.")
    summary: str | None = strawberry.field(default=None, description="New summary.")
    tags: list[str] | None = strawberry.field(default=None, description="New tags (replace the old ones).")
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Move to this category.")
    remove_category: bool = strawberry.field(default=False, description="Leave it uncategorised.")
    slug: str | None = strawberry.field(default=None, description="New slug (links to the old one break).")
    visibility: Visibility | None = strawberry.field(default=None, description="New visibility.")
    allowed_roles: list[Role] | None = strawberry.field(default=None, description="New roles for PRIVATE.")
    committee_id: strawberry.ID | None = strawberry.field(default=None, description="New committee for PRIVATE.")
    remove_committee: bool = strawberry.field(default=False, description="Detach the committee.")
    message: str = strawberry.field(default="", description="What changed and why.")
    base_revision: int | None = strawberry.field(
        default=None, description="The revision number the edit started from; refused if it is no longer current."
    )


@strawberry.input(description="An article to publish, archive or delete.")
class ArticleActionInput:
    article_id: strawberry.ID = strawberry.field(description="The article.")


@strawberry.input(description="A revision whose content becomes current again, as a new revision.")
class RestoreRevisionInput:
    revision_id: strawberry.ID = strawberry.field(description="The revision to restore.")
    message: str = strawberry.field(default="", description="Note; defaults to 'Restored revision N'.")


@strawberry.type(description="Result of an article change.")
class ArticlePayload(Payload):
    article: Article | None = strawberry.field(default=None, description="The article.")


@strawberry.type(description="Result of `deleteArticle`.")
class DeleteArticlePayload(Payload):
    deleted_id: strawberry.ID | None = strawberry.field(default=None, description="Global id of the deleted article.")


# Resources


@strawberry.input(description="A new resource library entry: a media file (upload it first) or a URL.")
class CreateResourceInput:
    title: str = strawberry.field(description="Title.")
    kind: ResourceKind = strawberry.field(description="What it is.")
    description: str = strawberry.field(default="", description="What it is and why it is useful.")
    url: str = strawberry.field(default="", description="http(s) URL; required for LINK.")
    media_id: strawberry.ID | None = strawberry.field(default=None, description="An uploaded MediaFile of the viewer.")
    tags: list[str] = strawberry.field(default_factory=list, description="At most KB_MAX_TAGS tags.")
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Its category.")
    visibility: Visibility = strawberry.field(default=VisibilityModel.PUBLIC, description="Who may see it.")
    allowed_roles: list[Role] = strawberry.field(
        default_factory=list, description="Roles that may see it when PRIVATE."
    )


@strawberry.input(description="Changes to a resource; omitted fields stay.")
class UpdateResourceInput:
    resource_id: strawberry.ID = strawberry.field(description="The resource.")
    title: str | None = strawberry.field(default=None, description="New title.")
    kind: ResourceKind | None = strawberry.field(default=None, description="New kind.")
    description: str | None = strawberry.field(default=None, description="New description.")
    url: str | None = strawberry.field(default=None, description="New URL (empty to remove).")
    media_id: strawberry.ID | None = strawberry.field(default=None, description="Attach this media file.")
    remove_media: bool = strawberry.field(default=False, description="Detach the media file.")
    tags: list[str] | None = strawberry.field(default=None, description="New tags.")
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Move to this category.")
    remove_category: bool = strawberry.field(default=False, description="Leave it uncategorised.")
    visibility: Visibility | None = strawberry.field(default=None, description="New visibility.")
    allowed_roles: list[Role] | None = strawberry.field(default=None, description="New roles for PRIVATE.")


@strawberry.input(description="A resource to delete.")
class DeleteResourceInput:
    resource_id: strawberry.ID = strawberry.field(description="The resource.")


@strawberry.type(description="Result of a resource change.")
class ResourcePayload(Payload):
    resource: Resource | None = strawberry.field(default=None, description="The resource.")


@strawberry.type(description="Result of `deleteResource`.")
class DeleteResourcePayload(Payload):
    deleted_id: strawberry.ID | None = strawberry.field(default=None, description="Global id of the deleted resource.")


def _gid(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(str(strawberry.relay.GlobalID(type_name, str(pk))))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a knowledge-base category (moderators).")
    @guard(Require.MODERATOR)
    async def create_kb_category(
        self,
        info: Info,
        input: Annotated[CreateKbCategoryInput, strawberry.argument(description="The category.")],
    ) -> KbCategoryPayload:
        category = await categories_domain.create_category(
            info.context.viewer,
            categories_domain.CategoryInput(
                name=input.name,
                description=input.description,
                slug=input.slug,
                position=input.position,
                parent_id=_opt_id(input.parent_id, "KbCategory", "parentId"),
            ),
            settings=info.context.settings,
        )
        return KbCategoryPayload(category=category)

    @strawberry.mutation(description="Rename, describe or move a category (moderators).")
    @guard(Require.MODERATOR)
    async def update_kb_category(
        self,
        info: Info,
        input: Annotated[UpdateKbCategoryInput, strawberry.argument(description="The changes.")],
    ) -> KbCategoryPayload:
        category = await categories_domain.update_category(
            info.context.viewer,
            parse_id(input.category_id, "KbCategory", "categoryId"),
            categories_domain.CategoryInput(
                name=input.name,
                description=input.description,
                slug=input.slug,
                position=input.position,
                parent_id=_opt_id(input.parent_id, "KbCategory", "parentId"),
                clear_parent=input.move_to_top,
            ),
            settings=info.context.settings,
        )
        return KbCategoryPayload(category=category)

    @strawberry.mutation(description="Delete a category without subcategories; its items become uncategorised.")
    @guard(Require.MODERATOR)
    async def delete_kb_category(
        self,
        info: Info,
        input: Annotated[DeleteKbCategoryInput, strawberry.argument(description="The category.")],
    ) -> DeleteKbCategoryPayload:
        deleted = await categories_domain.delete_category(
            info.context.viewer, parse_id(input.category_id, "KbCategory", "categoryId")
        )
        return DeleteKbCategoryPayload(deleted_id=_gid("KbCategory", deleted))

    @strawberry.mutation(description="Write a new article (a draft until published).")
    @guard(Require.MEMBER)
    async def create_article(
        self,
        info: Info,
        input: Annotated[CreateArticleInput, strawberry.argument(description="The article.")],
    ) -> ArticlePayload:
        article = await articles_domain.create_article(
            info.context.viewer,
            articles_domain.ArticleInput(
                title=input.title,
                body=input.body,
                summary=input.summary,
                tags=input.tags,
                slug=input.slug,
                category_id=_opt_id(input.category_id, "KbCategory", "categoryId"),
                visibility=_visibility(input.visibility),
                allowed_roles=_roles(input.allowed_roles),
                committee_id=_opt_id(input.committee_id, "Committee", "committeeId"),
                message=input.message,
            ),
            settings=info.context.settings,
        )
        return ArticlePayload(article=article)

    @strawberry.mutation(
        description="Save a new revision of an article (authors, staff, members with REPUTATION_TO_EDIT_OTHERS)."
    )
    @guard(Require.MEMBER)
    async def update_article(
        self,
        info: Info,
        input: Annotated[UpdateArticleInput, strawberry.argument(description="The changes.")],
    ) -> ArticlePayload:
        article = await articles_domain.update_article(
            info.context.viewer,
            parse_id(input.article_id, "Article", "articleId"),
            articles_domain.ArticleInput(
                title=input.title,
                body=input.body,
                summary=input.summary,
                tags=input.tags,
                slug=input.slug,
                category_id=_opt_id(input.category_id, "KbCategory", "categoryId"),
                clear_category=input.remove_category,
                visibility=_visibility(input.visibility),
                allowed_roles=_roles(input.allowed_roles),
                committee_id=_opt_id(input.committee_id, "Committee", "committeeId"),
                clear_committee=input.remove_committee,
                message=input.message,
                base_revision=input.base_revision,
            ),
            settings=info.context.settings,
        )
        return ArticlePayload(article=article)

    @strawberry.mutation(description="Publish an article: readable per its visibility, and searchable.")
    @guard(Require.MEMBER)
    async def publish_article(
        self,
        info: Info,
        input: Annotated[ArticleActionInput, strawberry.argument(description="The article.")],
    ) -> ArticlePayload:
        article = await articles_domain.publish_article(
            info.context.viewer, parse_id(input.article_id, "Article", "articleId"), settings=info.context.settings
        )
        return ArticlePayload(article=article)

    @strawberry.mutation(description="Archive an article: still readable, marked outdated.")
    @guard(Require.MEMBER)
    async def archive_article(
        self,
        info: Info,
        input: Annotated[ArticleActionInput, strawberry.argument(description="The article.")],
    ) -> ArticlePayload:
        article = await articles_domain.archive_article(
            info.context.viewer, parse_id(input.article_id, "Article", "articleId"), settings=info.context.settings
        )
        return ArticlePayload(article=article)

    @strawberry.mutation(description="Make an old revision current again (saved as a new revision).")
    @guard(Require.MEMBER)
    async def restore_revision(
        self,
        info: Info,
        input: Annotated[RestoreRevisionInput, strawberry.argument(description="The revision.")],
    ) -> ArticlePayload:
        article = await articles_domain.restore_revision(
            info.context.viewer,
            parse_id(input.revision_id, "ArticleRevision", "revisionId"),
            input.message,
            settings=info.context.settings,
        )
        return ArticlePayload(article=article)

    @strawberry.mutation(description="Delete an article and its history (staff, or the only author of a draft).")
    @guard(Require.MEMBER)
    async def delete_article(
        self,
        info: Info,
        input: Annotated[ArticleActionInput, strawberry.argument(description="The article.")],
    ) -> DeleteArticlePayload:
        deleted = await articles_domain.delete_article(
            info.context.viewer, parse_id(input.article_id, "Article", "articleId")
        )
        return DeleteArticlePayload(deleted_id=_gid("Article", deleted))

    @strawberry.mutation(description="Add an entry to the resource library.")
    @guard(Require.MEMBER)
    async def create_resource(
        self,
        info: Info,
        input: Annotated[CreateResourceInput, strawberry.argument(description="The resource.")],
    ) -> ResourcePayload:
        resource = await resources_domain.create_resource(
            info.context.viewer,
            resources_domain.ResourceInput(
                title=input.title,
                kind=models.ResourceKind(getattr(input.kind, "value", input.kind)),
                description=input.description,
                url=input.url,
                tags=input.tags,
                media_id=_opt_id(input.media_id, "MediaFile", "mediaId"),
                category_id=_opt_id(input.category_id, "KbCategory", "categoryId"),
                visibility=_visibility(input.visibility),
                allowed_roles=_roles(input.allowed_roles),
            ),
            settings=info.context.settings,
        )
        return ResourcePayload(resource=resource)

    @strawberry.mutation(description="Change a resource (the member who added it, or staff).")
    @guard(Require.MEMBER)
    async def update_resource(
        self,
        info: Info,
        input: Annotated[UpdateResourceInput, strawberry.argument(description="The changes.")],
    ) -> ResourcePayload:
        kind = None if input.kind is None else models.ResourceKind(getattr(input.kind, "value", input.kind))
        resource = await resources_domain.update_resource(
            info.context.viewer,
            parse_id(input.resource_id, "Resource", "resourceId"),
            resources_domain.ResourceInput(
                title=input.title,
                kind=kind,
                description=input.description,
                url=input.url,
                tags=input.tags,
                media_id=_opt_id(input.media_id, "MediaFile", "mediaId"),
                clear_media=input.remove_media,
                category_id=_opt_id(input.category_id, "KbCategory", "categoryId"),
                clear_category=input.remove_category,
                visibility=_visibility(input.visibility),
                allowed_roles=_roles(input.allowed_roles),
            ),
            settings=info.context.settings,
        )
        return ResourcePayload(resource=resource)

    @strawberry.mutation(description="Delete a resource (the member who added it, or staff).")
    @guard(Require.MEMBER)
    async def delete_resource(
        self,
        info: Info,
        input: Annotated[DeleteResourceInput, strawberry.argument(description="The resource.")],
    ) -> DeleteResourcePayload:
        deleted = await resources_domain.delete_resource(
            info.context.viewer, parse_id(input.resource_id, "Resource", "resourceId")
        )
        return DeleteResourcePayload(deleted_id=_gid("Resource", deleted))
