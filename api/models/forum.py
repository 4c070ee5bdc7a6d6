"""Forum and Q&A: spaces, topics (discussions and questions), posts (replies and answers),
tags, reactions, votes, the reputation ledger, read state, bookmarks and subscriptions."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from api.models.accounts import Visibility

if TYPE_CHECKING:
    from api.models.accounts import User


class PostingPolicy(str, Enum):
    """Who may start topics in a space (replies follow the space's visibility)."""

    ANYONE = "ANYONE"  # every member who can see the space
    MODERATORS_ONLY = "MODERATORS_ONLY"  # moderators and admins start topics; members reply


class TopicKind(str, Enum):
    DISCUSSION = "DISCUSSION"
    QUESTION = "QUESTION"


class ContentStatus(str, Enum):
    """Lifecycle of a topic or post, as exposed to clients."""

    PUBLISHED = "PUBLISHED"
    HELD = "HELD"  # waiting for pre-moderation: only the author and staff see it
    HIDDEN = "HIDDEN"  # hidden by a moderator
    DELETED = "DELETED"  # soft-deleted


class SubscriptionLevel(str, Enum):
    WATCH = "WATCH"  # notified of every reply
    MUTE = "MUTE"  # never notified of replies


class Space(Model):
    """A category. Nestable one level: a space with a parent cannot itself be a parent."""

    id = fields.IntField(primary_key=True)
    parent: fields.ForeignKeyNullableRelation[Space] = fields.ForeignKeyField(
        "forum.Space", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    name = fields.CharField(max_length=100)
    slug = fields.CharField(max_length=100, unique=True)
    description = fields.TextField(default="")
    position = fields.IntField(default=0)
    visibility = fields.CharEnumField(Visibility, max_length=16, default=Visibility.PUBLIC)
    # Role names (MEMBER, MODERATOR, ADMIN) that may see a PRIVATE space; admins always may.
    allowed_roles: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    posting_policy = fields.CharEnumField(PostingPolicy, max_length=32, default=PostingPolicy.ANYONE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_spaces"
        ordering = ["position", "id"]


class Tag(Model):
    """A tag shared by the whole community (stored lower-case)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=40, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_tags"
        ordering = ["name"]


class Topic(Model):
    """A discussion or a question. Its body is the opening post, replies are `Post`s."""

    id = fields.IntField(primary_key=True)
    space: fields.ForeignKeyRelation[Space] = fields.ForeignKeyField(
        "forum.Space", related_name="topics", on_delete=fields.RESTRICT
    )
    space_id: int
    kind = fields.CharEnumField(TopicKind, max_length=16, default=TopicKind.DISCUSSION)
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_topics", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    title = fields.CharField(max_length=300)
    body = fields.TextField()  # Markdown as written
    body_html = fields.TextField(default="")  # sanitized rendering, mentions linked
    held = fields.BooleanField(default=False)
    hidden = fields.BooleanField(default=False)
    deleted_at = fields.DatetimeField(null=True)
    pinned = fields.BooleanField(default=False)
    locked = fields.BooleanField(default=False)
    # Counters kept by the domain in the transactions that change them.
    reply_count = fields.IntField(default=0)  # visible (published, not deleted) replies
    last_position = fields.IntField(default=0)  # position of the newest reply ever made
    reaction_count = fields.IntField(default=0)
    score = fields.IntField(default=0)  # sum of votes (questions)
    accepted_post_id = fields.IntField(null=True)  # the accepted answer (questions)
    hot = fields.FloatField(default=0.0)  # see api.domain.forum.hot
    last_activity_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)

    class Meta:
        table = "forum_topics"
        ordering = ["-id"]
        indexes = (("space_id", "hot"), ("space_id", "created_at"), ("last_activity_at",))


class TopicTag(Model):
    id = fields.IntField(primary_key=True)
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "forum.Topic", related_name="topic_tags", on_delete=fields.CASCADE
    )
    topic_id: int
    tag: fields.ForeignKeyRelation[Tag] = fields.ForeignKeyField(
        "forum.Tag", related_name="tag_topics", on_delete=fields.CASCADE
    )
    tag_id: int

    class Meta:
        table = "forum_topic_tags"
        unique_together = (("topic", "tag"),)


class TopicRevision(Model):
    """A previous version of a topic, kept on every edit."""

    id = fields.IntField(primary_key=True)
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "forum.Topic", related_name="revisions", on_delete=fields.CASCADE
    )
    topic_id: int
    editor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_topic_edits", null=True, on_delete=fields.SET_NULL
    )
    editor_id: int | None
    title = fields.CharField(max_length=300)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_topic_revisions"
        ordering = ["-id"]


class Post(Model):
    """A reply in a topic (an answer when the topic is a question)."""

    id = fields.IntField(primary_key=True)
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "forum.Topic", related_name="posts", on_delete=fields.CASCADE
    )
    topic_id: int
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_posts", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    reply_to: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    reply_to_id: int | None
    quote: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name="quoted_by", null=True, on_delete=fields.SET_NULL
    )
    quote_id: int | None
    quote_text = fields.TextField(default="")  # the quoted excerpt, as it was when quoted
    position = fields.IntField()  # 1, 2, ... within the topic, in creation order; never reused
    body = fields.TextField()
    body_html = fields.TextField(default="")
    held = fields.BooleanField(default=False)
    hidden = fields.BooleanField(default=False)
    deleted_at = fields.DatetimeField(null=True)
    score = fields.IntField(default=0)
    accepted = fields.BooleanField(default=False)
    reaction_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)

    class Meta:
        table = "forum_posts"
        ordering = ["position"]
        unique_together = (("topic", "position"),)


class PostRevision(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name="revisions", on_delete=fields.CASCADE
    )
    post_id: int
    editor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_post_edits", null=True, on_delete=fields.SET_NULL
    )
    editor_id: int | None
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_post_revisions"
        ordering = ["-id"]


class Reaction(Model):
    """One emoji of one member on a topic or post (`subject_type` Topic or Post)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_reactions", on_delete=fields.CASCADE
    )
    user_id: int
    subject_type = fields.CharField(max_length=16)
    subject_id = fields.IntField()
    reaction = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_reactions"
        unique_together = (("user", "subject_type", "subject_id", "reaction"),)
        indexes = (("subject_type", "subject_id"),)


class Vote(Model):
    """One member's vote (+1 or -1) on a question or answer, one per member (unique key)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_votes", on_delete=fields.CASCADE
    )
    user_id: int
    subject_type = fields.CharField(max_length=16)
    subject_id = fields.IntField()
    value = fields.SmallIntField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "forum_votes"
        unique_together = (("user", "subject_type", "subject_id"),)
        indexes = (("subject_type", "subject_id"),)


class ReputationEvent(Model):
    """Append-only ledger: a member's reputation is the sum of their rows (never below 0).
    A withdrawn vote or acceptance adds a reversing row instead of deleting one."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="reputation_events", on_delete=fields.CASCADE
    )
    user_id: int
    amount = fields.IntField()
    reason = fields.CharField(max_length=48)
    subject_type = fields.CharField(max_length=16, default="")
    subject_id = fields.IntField(null=True)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="reputation_given", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_reputation_events"
        ordering = ["-id"]
        indexes = (("user_id", "created_at"),)


class ReadState(Model):
    """How far a member has read a topic (the highest post position seen)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_read_states", on_delete=fields.CASCADE
    )
    user_id: int
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "forum.Topic", related_name="read_states", on_delete=fields.CASCADE
    )
    topic_id: int
    last_read_position = fields.IntField(default=0)
    seconds_read = fields.IntField(default=0)  # reading time reported by the client (trust levels)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "forum_read_states"
        unique_together = (("user", "topic"),)


class Bookmark(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_bookmarks", on_delete=fields.CASCADE
    )
    user_id: int
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "forum.Topic", related_name="bookmarks", on_delete=fields.CASCADE
    )
    topic_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_bookmarks"
        unique_together = (("user", "topic"),)
        ordering = ["-created_at", "-id"]


class SpaceSubscription(Model):
    """A member watching (every new topic and reply notifies them) or muting (nothing from it
    notifies them but mentions) a whole space."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="space_subscriptions", on_delete=fields.CASCADE
    )
    user_id: int
    space: fields.ForeignKeyRelation[Space] = fields.ForeignKeyField(
        "forum.Space", related_name="subscriptions", on_delete=fields.CASCADE
    )
    space_id: int
    level = fields.CharEnumField(SubscriptionLevel, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_space_subscriptions"
        unique_together = (("user", "space"),)


class TopicSubscription(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="forum_subscriptions", on_delete=fields.CASCADE
    )
    user_id: int
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "forum.Topic", related_name="subscriptions", on_delete=fields.CASCADE
    )
    topic_id: int
    level = fields.CharEnumField(SubscriptionLevel, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "forum_topic_subscriptions"
        unique_together = (("user", "topic"),)
