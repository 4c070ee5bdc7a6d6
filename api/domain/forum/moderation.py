"""Topics and posts in the content registry, so moderation hides, restores, deletes and
approves (held) forum content without importing the forum."""

from __future__ import annotations

from typing import Any

from api.db import column
from api.domain.content import ContentRef, ContentType
from api.domain.forum.access import visible_post, visible_topic
from api.domain.forum.announce import announce_post, announce_topic, publish_topic_activity
from api.domain.forum.hot import refresh_hot
from api.domain.forum.media import refresh_topics
from api.domain.forum.posts import set_post_state
from api.domain.forum.text import render_body
from api.errors import NotFound
from api.models.accounts import User
from api.models.forum import Post, Topic
from api.timeutil import now
from api.transactions import transaction
from search.outbox import enqueue


async def load_topics(ids: list[int]) -> dict[int, ContentRef]:
    return {
        t.id: ContentRef(
            content_type="Topic",
            id=t.id,
            author_id=t.author_id,
            title=t.title,
            text=t.body,
            hidden=t.hidden,
            deleted=t.deleted_at is not None,
            held=t.held,
        )
        for t in await Topic.filter(id__in=ids)
    }


async def load_posts(ids: list[int]) -> dict[int, ContentRef]:
    from api.markdown import plain_texts_async

    posts = await Post.filter(id__in=ids)
    titles = await plain_texts_async([p.body for p in posts], 80)
    return {
        p.id: ContentRef(
            content_type="Post",
            id=p.id,
            author_id=p.author_id,
            title=title,
            text=p.body,
            hidden=p.hidden,
            deleted=p.deleted_at is not None,
            held=p.held,
        )
        for p, title in zip(posts, titles, strict=True)
    }


async def _topic_state(topic_id: int, **changes: Any) -> Topic | None:
    async with transaction():
        topic = await Topic.filter(id=topic_id).select_for_update().first()
        if topic is None:
            return None
        for name, value in changes.items():
            setattr(topic, name, value)
        await topic.save(update_fields=list(changes))
        await refresh_topics([topic.id])
        await enqueue("topic", topic.id)
        await enqueue("post", list(await column(Post.filter(topic_id=topic.id), "id")))
    return topic


async def hide_topic(topic_id: int, _moderator_id: int | None) -> None:
    if topic := await _topic_state(topic_id, hidden=True):
        await publish_topic_activity(topic, "HIDDEN")


async def unhide_topic(topic_id: int, _moderator_id: int | None) -> None:
    if topic := await _topic_state(topic_id, hidden=False):
        await publish_topic_activity(topic, "UPDATED")


async def delete_topic(topic_id: int, _moderator_id: int | None) -> None:
    if topic := await _topic_state(topic_id, deleted_at=now()):
        await publish_topic_activity(topic, "DELETED")


async def publish_topic(topic_id: int, _moderator_id: int | None) -> None:
    """Approve a held topic: it appears, and mentions and subscribers hear of it now."""
    topic = await Topic.filter(id=topic_id, held=True).first()
    if topic is None:
        return
    topic = await _topic_state(topic_id, held=False, last_activity_at=now())
    if topic is None:  # deleted meanwhile
        return
    await refresh_hot(topic_id)
    await announce_topic(topic, (await render_body(topic.body)).mentioned)


async def _post_state(post_id: int, **changes: Any) -> Post | None:
    async with transaction():
        post = await Post.filter(id=post_id).select_for_update().first()
        if post is None:
            return None
        await set_post_state(post, **changes)
    return post


async def hide_post(post_id: int, _moderator_id: int | None) -> None:
    await _post_state(post_id, hidden=True)


async def unhide_post(post_id: int, _moderator_id: int | None) -> None:
    await _post_state(post_id, hidden=False)


async def delete_post(post_id: int, _moderator_id: int | None) -> None:
    await _post_state(post_id, deleted=True)


async def publish_post(post_id: int, _moderator_id: int | None) -> None:
    """Approve a held post: counted, announced and pushed to live subscribers now."""
    post = await Post.filter(id=post_id, held=True).first()
    if post is None:
        return
    async with transaction():
        await Topic.filter(id=post.topic_id).update(last_activity_at=now())
        await set_post_state(post, held=False)  # counts the reply and refreshes HOT
    topic = await Topic.get(id=post.topic_id)
    await announce_post(post, topic, (await render_body(post.body)).mentioned)


async def can_see_topic(viewer: User | None, topic_id: int) -> bool:
    try:
        await visible_topic(viewer, topic_id)
    except NotFound:
        return False
    return True


async def can_see_post(viewer: User | None, post_id: int) -> bool:
    try:
        await visible_post(viewer, post_id)
    except NotFound:
        return False
    return True


async def topics_by(user_id: int) -> list[int]:
    return list(await column(Topic.filter(author_id=user_id, deleted_at__isnull=True), "id"))


async def posts_by(user_id: int) -> list[int]:
    return list(await column(Post.filter(author_id=user_id, deleted_at__isnull=True), "id"))


TOPIC = ContentType(
    name="Topic",
    load=load_topics,
    hide=hide_topic,
    unhide=unhide_topic,
    delete=delete_topic,
    publish=publish_topic,
    can_see=can_see_topic,
    authored=topics_by,
)
POST = ContentType(
    name="Post",
    load=load_posts,
    hide=hide_post,
    unhide=unhide_post,
    delete=delete_post,
    publish=publish_post,
    can_see=can_see_post,
    authored=posts_by,
)
