"""Uploads embedded in topics and posts: private while only content that is not public uses
them (in a members-only or private space, held, hidden or deleted), readable by the members who
may read that content."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from api.db import column
from api.domain import attachments
from api.domain.forum import access
from api.models.accounts import User
from api.models.attachments import Attachment
from api.models.forum import Post, Topic
from api.models.media import MediaFile


def topic_is_public(topic: Topic, spaces: access.SpaceIndex) -> bool:
    return access.can_view_topic(None, topic, spaces)


def post_is_public(post: Post, topic: Topic, spaces: access.SpaceIndex) -> bool:
    return access.can_view_post(None, post, topic, spaces) and access.can_read_post_body(None, post)


async def sync_topics(topic_ids: Iterable[int]) -> None:
    """Record the uploads each topic's opening post embeds (its author's) with its publicness."""
    ids = set(topic_ids)
    rows = {t.id: t for t in await Topic.filter(id__in=ids)}
    spaces = await access.space_index()
    embedded = await attachments.embedded_uploads(
        {i: t.body for i, t in rows.items()}, {i: [t.author_id] for i, t in rows.items() if t.author_id}
    )
    await attachments.record(
        "Topic",
        {
            i: attachments.Use(topic_is_public(rows[i], spaces), embedded[i]) if i in rows else attachments.Use(False)
            for i in ids
        },
    )


async def sync_posts(post_ids: Iterable[int]) -> None:
    """Record the uploads each post embeds (its author's) with its publicness."""
    ids = set(post_ids)
    rows = {p.id: p for p in await Post.filter(id__in=ids).select_related("topic")}
    spaces = await access.space_index()
    embedded = await attachments.embedded_uploads(
        {i: p.body for i, p in rows.items()}, {i: [p.author_id] for i, p in rows.items() if p.author_id}
    )
    await attachments.record(
        "Post",
        {
            i: attachments.Use(post_is_public(rows[i], rows[i].topic, spaces), embedded[i])
            if i in rows
            else attachments.Use(False)
            for i in ids
        },
    )


async def refresh_topics(topic_ids: Iterable[int]) -> None:
    """The topics' publicness changed (hidden, deleted, moved...): refresh it for them and their
    posts."""
    ids = list(set(topic_ids))
    if ids:
        await _refresh(Topic.filter(id__in=ids), Post.filter(topic_id__in=ids))


async def refresh_spaces(space_ids: Iterable[int]) -> None:
    """The spaces' audience changed: refresh the publicness of their topics and posts."""
    ids = list(set(space_ids))
    if ids:
        await _refresh(Topic.filter(space_id__in=ids), Post.filter(topic__space_id__in=ids))


async def _refresh(topics: QuerySet[Topic], posts: QuerySet[Post]) -> None:
    # Only the items that embed uploads are loaded (a space may hold many topics).
    topic_ids = await column(
        Attachment.filter(subject_type="Topic", subject_id__in=Subquery(topics.values("id"))), "subject_id"
    )
    post_ids = await column(
        Attachment.filter(subject_type="Post", subject_id__in=Subquery(posts.values("id"))), "subject_id"
    )
    spaces = await access.space_index()
    if topic_ids:
        await attachments.set_public(
            "Topic", {t.id: topic_is_public(t, spaces) for t in await Topic.filter(id__in=set(topic_ids))}
        )
    if post_ids:
        await attachments.set_public(
            "Post",
            {
                p.id: post_is_public(p, p.topic, spaces)
                for p in await Post.filter(id__in=set(post_ids)).select_related("topic")
            },
        )


async def forum_reader(viewer: User, files: list[MediaFile]) -> set[int]:
    """Uploads embedded in topics and posts the viewer may read."""
    uses = await attachments.uses_of([f.id for f in files], ["Topic", "Post"])
    topic_uses, post_uses = uses.get("Topic", {}), uses.get("Post", {})
    if not topic_uses and not post_uses:
        return set()
    spaces = await access.space_index()
    allowed: set[int] = set()
    for topic in await Topic.filter(id__in=list(topic_uses)) if topic_uses else []:
        if access.can_view_topic(viewer, topic, spaces):
            allowed |= topic_uses[topic.id]
    for post in await Post.filter(id__in=list(post_uses)).select_related("topic") if post_uses else []:
        if access.can_view_post(viewer, post, post.topic, spaces) and access.can_read_post_body(viewer, post):
            allowed |= post_uses[post.id]
    return allowed
