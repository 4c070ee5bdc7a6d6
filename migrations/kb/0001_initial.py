import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.accounts import Visibility
from api.models.kb import ArticleStatus, ResourceKind


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_avatar"), ("media", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Category",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=100)),
                ("slug", fields.CharField(unique=True, max_length=120)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "kb.Category",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("position", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "kb_categories",
                "app": "kb",
                "pk_attr": "id",
                "table_description": "A node of the knowledge-base category tree (articles and resources share it).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Article",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("title", fields.CharField(max_length=200)),
                ("slug", fields.CharField(unique=True, max_length=220)),
                ("body", fields.TextField(unique=False)),
                ("body_html", fields.TextField(default="", unique=False)),
                ("summary", fields.TextField(default="", unique=False)),
                (
                    "category",
                    fields.ForeignKeyField(
                        "kb.Category",
                        source_field="category_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="articles",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "tags",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=ArticleStatus.DRAFT,
                        description="DRAFT: DRAFT\nPUBLISHED: PUBLISHED\nARCHIVED: ARCHIVED",
                        enum_type=ArticleStatus,
                        max_length=16,
                    ),
                ),
                (
                    "visibility",
                    fields.CharEnumField(
                        default=Visibility.PUBLIC,
                        description="PUBLIC: PUBLIC\nMEMBERS: MEMBERS\nPRIVATE: PRIVATE",
                        enum_type=Visibility,
                        max_length=16,
                    ),
                ),
                ("allowed_roles", fields.CharField(default="", max_length=64)),
                (
                    "committee",
                    fields.ForeignKeyField(
                        "accounts.Committee",
                        source_field="committee_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="kb_articles",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="kb_articles_created",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("revision_number", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("published_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "kb_articles",
                "app": "kb",
                "indexes": [Index(fields=["status", "updated_at"])],
                "pk_attr": "id",
                "table_description": "The current state of an article. Every save also writes an `ArticleRevision`.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ArticleAuthor",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "article",
                    fields.ForeignKeyField(
                        "kb.Article",
                        source_field="article_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="author_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="kb_authorships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("added_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "kb_article_authors",
                "app": "kb",
                "unique_together": (("article", "user"),),
                "pk_attr": "id",
                "table_description": "A member credited as an author (the creator, and everyone who saved a revision).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ArticleRevision",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "article",
                    fields.ForeignKeyField(
                        "kb.Article",
                        source_field="article_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="revisions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("number", fields.IntField()),
                ("title", fields.CharField(max_length=200)),
                ("body", fields.TextField(unique=False)),
                ("summary", fields.TextField(default="", unique=False)),
                (
                    "tags",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("category_id_at_save", fields.IntField(null=True)),
                (
                    "author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="kb_revisions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("message", fields.CharField(default="", max_length=300)),
                ("restored_from", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "kb_article_revisions",
                "app": "kb",
                "unique_together": (("article", "number"),),
                "pk_attr": "id",
                "table_description": "An immutable snapshot of an article as saved, with who saved it and why.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Resource",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "category",
                    fields.ForeignKeyField(
                        "kb.Category",
                        source_field="category_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="resources",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "tags",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="IMAGE: IMAGE\nAUDIO: AUDIO\nVIDEO: VIDEO\nDOCUMENT: DOCUMENT\nLINK: LINK",
                        enum_type=ResourceKind,
                        max_length=16,
                    ),
                ),
                (
                    "media",
                    fields.ForeignKeyField(
                        "media.MediaFile",
                        source_field="media_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="kb_resources",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("url", fields.CharField(default="", max_length=2000)),
                (
                    "visibility",
                    fields.CharEnumField(
                        default=Visibility.PUBLIC,
                        description="PUBLIC: PUBLIC\nMEMBERS: MEMBERS\nPRIVATE: PRIVATE",
                        enum_type=Visibility,
                        max_length=16,
                    ),
                ),
                ("allowed_roles", fields.CharField(default="", max_length=64)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="kb_resources",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "kb_resources",
                "app": "kb",
                "pk_attr": "id",
                "table_description": "A resource library entry: a media file (filled in by the media domain) or a URL.",
            },
            bases=["Model"],
        ),
    ]
