import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.accounts import Visibility
from api.models.forum import PostingPolicy, SubscriptionLevel, TopicKind


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("accounts", "0002_user_avatar")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Reaction",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_reactions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("subject_type", fields.CharField(max_length=16)),
                ("subject_id", fields.IntField()),
                ("reaction", fields.CharField(max_length=16)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "forum_reactions",
                "app": "forum",
                "unique_together": (("user", "subject_type", "subject_id", "reaction"),),
                "indexes": [Index(fields=["subject_type", "subject_id"])],
                "pk_attr": "id",
                "table_description": "One emoji of one member on a topic or post (`subject_type` Topic or Post).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReputationEvent",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reputation_events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("amount", fields.IntField()),
                ("reason", fields.CharField(max_length=48)),
                ("subject_type", fields.CharField(default="", max_length=16)),
                ("subject_id", fields.IntField(null=True)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reputation_given",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "forum_reputation_events",
                "app": "forum",
                "indexes": [Index(fields=["user_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "Append-only ledger: a member's reputation is the sum of their rows (never below 0).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Space",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "forum.Space",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("slug", fields.CharField(unique=True, max_length=100)),
                ("description", fields.TextField(default="", unique=False)),
                ("position", fields.IntField(default=0)),
                (
                    "visibility",
                    fields.CharEnumField(
                        default=Visibility.PUBLIC,
                        description="PUBLIC: PUBLIC\nMEMBERS: MEMBERS\nPRIVATE: PRIVATE",
                        enum_type=Visibility,
                        max_length=16,
                    ),
                ),
                (
                    "allowed_roles",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "posting_policy",
                    fields.CharEnumField(
                        default=PostingPolicy.ANYONE,
                        description="ANYONE: ANYONE\nMODERATORS_ONLY: MODERATORS_ONLY",
                        enum_type=PostingPolicy,
                        max_length=32,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "forum_spaces",
                "app": "forum",
                "pk_attr": "id",
                "table_description": "A category. Nestable one level: a space with a parent cannot itself be a parent.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Tag",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(unique=True, max_length=40)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "forum_tags",
                "app": "forum",
                "pk_attr": "id",
                "table_description": "A tag shared by the whole community (stored lower-case).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Topic",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "space",
                    fields.ForeignKeyField(
                        "forum.Space",
                        source_field="space_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="topics",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        default=TopicKind.DISCUSSION,
                        description="DISCUSSION: DISCUSSION\nQUESTION: QUESTION",
                        enum_type=TopicKind,
                        max_length=16,
                    ),
                ),
                (
                    "author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_topics",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("title", fields.CharField(max_length=300)),
                ("body", fields.TextField(unique=False)),
                ("body_html", fields.TextField(default="", unique=False)),
                ("held", fields.BooleanField(default=False)),
                ("hidden", fields.BooleanField(default=False)),
                ("deleted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("pinned", fields.BooleanField(default=False)),
                ("locked", fields.BooleanField(default=False)),
                ("reply_count", fields.IntField(default=0)),
                ("last_position", fields.IntField(default=0)),
                ("reaction_count", fields.IntField(default=0)),
                ("score", fields.IntField(default=0)),
                ("accepted_post_id", fields.IntField(null=True)),
                ("hot", fields.FloatField(default=0.0)),
                ("last_activity_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("edited_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "forum_topics",
                "app": "forum",
                "indexes": [
                    Index(fields=["space_id", "hot"]),
                    Index(fields=["space_id", "created_at"]),
                    Index(fields=["last_activity_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A discussion or a question. Its body is the opening post, replies are `Post`s.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Bookmark",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_bookmarks",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "topic",
                    fields.ForeignKeyField(
                        "forum.Topic",
                        source_field="topic_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bookmarks",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "forum_bookmarks",
                "app": "forum",
                "unique_together": (("user", "topic"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Post",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "topic",
                    fields.ForeignKeyField(
                        "forum.Topic",
                        source_field="topic_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="posts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_posts",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "reply_to",
                    fields.ForeignKeyField(
                        "forum.Post",
                        source_field="reply_to_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="replies",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "quote",
                    fields.ForeignKeyField(
                        "forum.Post",
                        source_field="quote_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="quoted_by",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("quote_text", fields.TextField(default="", unique=False)),
                ("position", fields.IntField()),
                ("body", fields.TextField(unique=False)),
                ("body_html", fields.TextField(default="", unique=False)),
                ("held", fields.BooleanField(default=False)),
                ("hidden", fields.BooleanField(default=False)),
                ("deleted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("score", fields.IntField(default=0)),
                ("accepted", fields.BooleanField(default=False)),
                ("reaction_count", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("edited_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "forum_posts",
                "app": "forum",
                "unique_together": (("topic", "position"),),
                "pk_attr": "id",
                "table_description": "A reply in a topic (an answer when the topic is a question).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PostRevision",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "post",
                    fields.ForeignKeyField(
                        "forum.Post",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="revisions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "editor",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="editor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_post_edits",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("body", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "forum_post_revisions", "app": "forum", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReadState",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_read_states",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "topic",
                    fields.ForeignKeyField(
                        "forum.Topic",
                        source_field="topic_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="read_states",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("last_read_position", fields.IntField(default=0)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "forum_read_states",
                "app": "forum",
                "unique_together": (("user", "topic"),),
                "pk_attr": "id",
                "table_description": "How far a member has read a topic (the highest post position seen).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TopicRevision",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "topic",
                    fields.ForeignKeyField(
                        "forum.Topic",
                        source_field="topic_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="revisions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "editor",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="editor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_topic_edits",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("title", fields.CharField(max_length=300)),
                ("body", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "forum_topic_revisions",
                "app": "forum",
                "pk_attr": "id",
                "table_description": "A previous version of a topic, kept on every edit.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TopicSubscription",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "topic",
                    fields.ForeignKeyField(
                        "forum.Topic",
                        source_field="topic_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "level",
                    fields.CharEnumField(
                        description="WATCH: WATCH\nMUTE: MUTE", enum_type=SubscriptionLevel, max_length=16
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "forum_topic_subscriptions",
                "app": "forum",
                "unique_together": (("user", "topic"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TopicTag",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "topic",
                    fields.ForeignKeyField(
                        "forum.Topic",
                        source_field="topic_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="topic_tags",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "tag",
                    fields.ForeignKeyField(
                        "forum.Tag",
                        source_field="tag_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tag_topics",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "forum_topic_tags",
                "app": "forum",
                "unique_together": (("topic", "tag"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Vote",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="forum_votes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("subject_type", fields.CharField(max_length=16)),
                ("subject_id", fields.IntField()),
                ("value", fields.SmallIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "forum_votes",
                "app": "forum",
                "unique_together": (("user", "subject_type", "subject_id"),),
                "indexes": [Index(fields=["subject_type", "subject_id"])],
                "pk_attr": "id",
                "table_description": "One member's vote (+1 or -1) on a question or answer, one per member (unique key).",
            },
            bases=["Model"],
        ),
    ]
