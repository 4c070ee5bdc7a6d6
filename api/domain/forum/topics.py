"""Topics: start (discussion or question), edit with history, soft delete, pin, lock, move."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.db import column
from api.domain.content import gate
from api.domain.content.events import ContentRemoved, Submission
from api.domain.forum import access
from api.domain.forum.announce import announce_topic, publish_topic_activity
from api.domain.forum.hot import hot_score
from api.domain.forum.media import refresh_topics, sync_topics
from api.domain.forum.qa import reputation_of
from api.domain.forum.text import check_body, check_tags, check_title, render_body
from api.errors import DomainError, Forbidden, Invalid, NotFound, collect
from api.events import emit
from api.models.accounts import User
from api.models.forum import Post, Tag, Topic, TopicKind, TopicRevision, TopicTag
from api.policies import is_staff, require_can_act
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction
from search.outbox import enqueue


@dataclass(frozen=True)
class TopicInput:
    space_id: int
    title: str
    body: str
    tags: list[str] = field(default_factory=list)
    kind: TopicKind = TopicKind.DISCUSSION


async def set_tags(topic_id: int, names: list[str]) -> None:
    """Replace a topic's tags, creating the community tags that do not exist yet."""
    existing = {t.name: t for t in await Tag.filter(name__in=names)} if names else {}
    missing = [n for n in names if n not in existing]
    if missing:
        for name in missing:
            tag, _ = await Tag.get_or_create(name=name)
            existing[name] = tag
    await TopicTag.filter(topic_id=topic_id).delete()
    if names:
        await TopicTag.bulk_create([TopicTag(topic_id=topic_id, tag_id=existing[n].id) for n in names])


async def create_topic(actor: User | None, data: TopicInput, *, settings: Settings) -> Topic:
    """Start a topic. Pre-moderation may hold it: then only its author and staff see it."""
    actor = await require_can_act(actor)
    errors: list[DomainError] = []
    title = check_title(data.title, settings, errors)
    body = check_body(data.body, settings, errors)
    tags = check_tags(data.tags, settings, errors)
    collect(errors)
    spaces = await access.space_index()
    space = spaces.get(data.space_id)
    if space is None or not spaces.can_view(actor, space.id):
        raise NotFound("No such space.", field="spaceId")
    if not access.can_start_topic(actor, space, spaces):
        raise Forbidden("Only moderators start topics in this space.", field="spaceId")
    verdict = await gate.check(_submission(actor, space.id, title, body, editing=False), settings)
    rendered = await render_body(verdict.text("body", body))
    moment = now()
    async with transaction():
        topic = await Topic.create(
            space_id=space.id,
            kind=data.kind,
            author_id=actor.id,
            title=verdict.text("title", title),
            body=body,
            body_html=rendered.html,
            held=verdict.held is not None,
            last_activity_at=moment,
            hot=hot_score(replies=0, reactions=0, score=0, last_activity=moment),
        )
        await set_tags(topic.id, tags)
        await sync_topics([topic.id])
        await enqueue("topic", topic.id)
        await gate.announce(verdict, "Topic", topic.id, actor.id)
    if not topic.held:
        await announce_topic(topic, rendered.mentioned)
    return topic


def _submission(actor: User, space_id: int, title: str, body: str, *, editing: bool) -> Submission:
    return Submission(
        author=actor,
        content_type="Topic",
        texts={"title": title, "body": body},
        editing=editing,
        space_id=space_id,
        holdable=True,
        **gate.measure(body),
    )


@dataclass(frozen=True)
class TopicChangesInput:
    topic_id: int
    title: str | None = None
    body: str | None = None
    tags: list[str] | None = None


async def edit_topic(actor: User | None, data: TopicChangesInput, *, settings: Settings) -> Topic:
    """Change title, body or tags; the previous title and body are kept as a revision."""
    actor = await require_can_act(actor)
    topic, _ = await access.visible_topic(actor, data.topic_id)
    if not access.can_edit(actor, topic.author_id, await reputation_of(actor.id), settings=settings):
        raise Forbidden("You may not edit this topic.", field="topicId")
    if topic.deleted_at is not None:
        raise Forbidden("This topic was deleted.", field="topicId")
    errors: list[DomainError] = []
    title = check_title(data.title, settings, errors) if data.title is not None else topic.title
    body = check_body(data.body, settings, errors) if data.body is not None else topic.body
    tags = check_tags(data.tags, settings, errors) if data.tags is not None else None
    collect(errors)
    changed = title != topic.title or body != topic.body
    # An edit passes the gate as a new topic does: a word that holds content holds the edit.
    verdict = (
        await gate.check(_submission(actor, topic.space_id, title, body, editing=True), settings)
        if changed
        else gate.Verdict()
    )
    hold = verdict.held is not None and not topic.held
    async with transaction():
        if changed:
            html = (await render_body(verdict.text("body", body))).html
            await TopicRevision.create(topic_id=topic.id, editor_id=actor.id, title=topic.title, body=topic.body)
            topic.title, topic.body, topic.body_html, topic.edited_at = verdict.text("title", title), body, html, now()
            topic.held = topic.held or hold
            await topic.save(update_fields=["title", "body", "body_html", "edited_at", "held"])
            await sync_topics([topic.id])
            await gate.announce(verdict, "Topic", topic.id, topic.author_id)
        if tags is not None:
            await set_tags(topic.id, tags)
        await enqueue("topic", topic.id)
        await enqueue("post", await _post_ids(topic.id))  # post documents carry its title and tags
    if hold:
        await publish_topic_activity(topic, "HIDDEN")
    return topic


async def _post_ids(topic_id: int) -> list[int]:
    return list(await column(Post.filter(topic_id=topic_id), "id"))


async def delete_topic(actor: User | None, topic_id: int) -> Topic:
    """Soft delete (author or staff): the topic and its posts leave lists and search."""
    actor = await require_can_act(actor)
    topic, _ = await access.visible_topic(actor, topic_id)
    if actor.id != topic.author_id and not is_staff(actor):
        raise Forbidden("Only the author and moderators delete a topic.", field="topicId")
    if topic.deleted_at is None:
        async with transaction():
            topic.deleted_at = now()
            await topic.save(update_fields=["deleted_at"])
            await refresh_topics([topic.id])
            await enqueue("topic", topic.id)
            await enqueue("post", await _post_ids(topic.id))
            await emit(ContentRemoved(content_type="Topic", content_id=topic.id, author_id=topic.author_id))
        await publish_topic_activity(topic, "DELETED")
    return topic


async def set_flags(
    actor: User | None, topic_id: int, *, pinned: bool | None = None, locked: bool | None = None
) -> Topic:
    """Pin/unpin and lock/unlock (moderators)."""
    actor = await require_can_act(actor)
    if not is_staff(actor):
        raise Forbidden("Only moderators pin or lock topics.", field="topicId")
    topic, _ = await access.visible_topic(actor, topic_id)
    changed = []
    if pinned is not None and topic.pinned != pinned:
        topic.pinned = pinned
        changed.append("pinned")
    if locked is not None and topic.locked != locked:
        topic.locked = locked
        changed.append("locked")
    if changed:
        async with transaction():
            await topic.save(update_fields=changed)
            await enqueue("topic", topic.id)
        await publish_topic_activity(topic, "UPDATED")
    return topic


async def move_topic(actor: User | None, topic_id: int, space_id: int) -> Topic:
    """Move a topic to another space (moderators); its search documents follow."""
    actor = await require_can_act(actor)
    if not is_staff(actor):
        raise Forbidden("Only moderators move topics.", field="topicId")
    topic, spaces = await access.visible_topic(actor, topic_id)
    target = spaces.get(space_id)
    if target is None or not spaces.can_view(actor, space_id):
        raise NotFound("No such space.", field="spaceId")
    if target.id == topic.space_id:
        raise Invalid("The topic is already in this space.", field="spaceId")
    previous = Topic(id=topic.id, space_id=topic.space_id)
    async with transaction():
        topic.space_id = target.id
        await topic.save(update_fields=["space_id"])
        await refresh_topics([topic.id])  # the new space may have another audience
        await enqueue("topic", topic.id)
        await enqueue("post", await _post_ids(topic.id))
    await publish_topic_activity(previous, "MOVED_OUT", spaces)
    await publish_topic_activity(topic, "MOVED_IN", spaces)
    return topic


async def topic_revisions(viewer: User | None, topic_id: int) -> list[TopicRevision]:
    await access.visible_topic(viewer, topic_id)
    return list(await TopicRevision.filter(topic_id=topic_id).order_by("-id"))
