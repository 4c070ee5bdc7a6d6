"""Knowledge base: a category tree, articles with their revisions and authors, and the
resource library (images, audio, video, documents and links)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from api.models.accounts import Visibility

if TYPE_CHECKING:
    from api.models.accounts import Committee, User
    from api.models.media import MediaFile


class ArticleStatus(str, Enum):
    DRAFT = "DRAFT"  # seen by its editors only
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"  # still readable, marked outdated, out of search


class ResourceKind(str, Enum):
    IMAGE = "IMAGE"
    AUDIO = "AUDIO"
    VIDEO = "VIDEO"
    DOCUMENT = "DOCUMENT"
    LINK = "LINK"


class Category(Model):
    """A node of the knowledge-base category tree (articles and resources share it)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    slug = fields.CharField(max_length=120, unique=True)
    description = fields.TextField(default="")
    parent: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "kb.Category", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kb_categories"
        ordering = ["position", "name", "id"]


class Article(Model):
    """The current state of an article. Every save also writes an `ArticleRevision`."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    slug = fields.CharField(max_length=220, unique=True)
    body = fields.TextField()
    body_html = fields.TextField(default="")
    summary = fields.TextField(default="")
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "kb.Category", related_name="articles", null=True, on_delete=fields.SET_NULL
    )
    category_id: int | None
    tags: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    status = fields.CharEnumField(ArticleStatus, max_length=16, default=ArticleStatus.DRAFT)
    visibility = fields.CharEnumField(Visibility, max_length=16, default=Visibility.PUBLIC)
    # For PRIVATE articles: roles (exact names, stored ",MODERATOR,ADMIN," so a portable LIKE
    # finds them) and a committee whose current members may read it.
    allowed_roles = fields.CharField(max_length=64, default="")
    committee: fields.ForeignKeyNullableRelation[Committee] = fields.ForeignKeyField(
        "accounts.Committee", related_name="kb_articles", null=True, on_delete=fields.SET_NULL
    )
    committee_id: int | None
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="kb_articles_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    revision_number = fields.IntField(default=0)  # number of the current revision
    hidden = fields.BooleanField(default=False)  # hidden by a moderator: staff only, not indexed
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "kb_articles"
        ordering = ["-updated_at", "-id"]
        indexes = (("status", "updated_at"),)


class ArticleAuthor(Model):
    """A member credited as an author (the creator, and everyone who saved a revision)."""

    id = fields.IntField(primary_key=True)
    article: fields.ForeignKeyRelation[Article] = fields.ForeignKeyField(
        "kb.Article", related_name="author_links", on_delete=fields.CASCADE
    )
    article_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="kb_authorships", on_delete=fields.CASCADE
    )
    user_id: int
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kb_article_authors"
        unique_together = (("article", "user"),)
        ordering = ["added_at", "id"]


class ArticleRevision(Model):
    """An immutable snapshot of an article as saved, with who saved it and why."""

    id = fields.IntField(primary_key=True)
    article: fields.ForeignKeyRelation[Article] = fields.ForeignKeyField(
        "kb.Article", related_name="revisions", on_delete=fields.CASCADE
    )
    article_id: int
    number = fields.IntField()
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    summary = fields.TextField(default="")
    tags: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    category_id_at_save = fields.IntField(null=True)
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="kb_revisions", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    message = fields.CharField(max_length=300, default="")
    restored_from = fields.IntField(null=True)  # revision number this one restored
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kb_article_revisions"
        unique_together = (("article", "number"),)
        ordering = ["-number"]


class Resource(Model):
    """A resource library entry: a media file (filled in by the media domain) or a URL."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "kb.Category", related_name="resources", null=True, on_delete=fields.SET_NULL
    )
    category_id: int | None
    tags: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    kind = fields.CharEnumField(ResourceKind, max_length=16)
    media: fields.ForeignKeyNullableRelation[MediaFile] = fields.ForeignKeyField(
        "media.MediaFile", related_name="kb_resources", null=True, on_delete=fields.SET_NULL
    )
    media_id: int | None
    url = fields.CharField(max_length=2000, default="")
    visibility = fields.CharEnumField(Visibility, max_length=16, default=Visibility.PUBLIC)
    allowed_roles = fields.CharField(max_length=64, default="")  # as on Article
    hidden = fields.BooleanField(default=False)  # hidden by a moderator: staff only, not indexed
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="kb_resources", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kb_resources"
        ordering = ["-created_at", "-id"]
