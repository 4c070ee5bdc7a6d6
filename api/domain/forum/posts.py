"""Posts: replies (answers in questions), threaded by `reply_to`, quoting, edit with history,
soft delete that keeps the post's place as "deleted"."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import F

from api.domain.content import gate
from api.domain.content.events import ContentRemoved, Submission
from api.domain.forum import access
from api.domain.forum.announce import announce_post
from api.domain.forum.hot import refresh_hot
from api.domain.forum.media import sync_posts
from api.domain.forum.qa import reputation_of, unaccept_in_transaction
from api.domain.forum.text import check_body, render_body
from api.errors import DomainError, ErrorCode, Forbidden, Invalid, collect
from api.events import emit
from api.markdown import plain_text_async
from api.models.accounts import User
from api.models.forum import Post, PostRevision, Topic, TopicKind
from api.policies import is_staff, require_can_act
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction
from search.outbox import enqueue

QUOTE_LENGTH = 500


@dataclass(frozen=True)
class PostInput:
    topic_id: int
    body: str
    reply_to_id: int | None = None
    quote_id: int | None = None


def counts_as_reply(post: Post) -> bool:
    """Whether a post is in its topic's `reply_count` (published, not hidden, not deleted)."""
    return not post.held and not post.hidden and post.deleted_at is None


async def _related(topic: Topic, post_id: int | None, field: str) -> Post | None:
    if post_id is None:
        return None
    post = await Post.filter(id=post_id, topic_id=topic.id).first()
    if post is None or post.held or post.deleted_at is not None:
        raise Invalid("Pick a post of the same topic.", field=field)
    return post


async def create_post(actor: User | None, data: PostInput, *, answer: bool = False, settings: Settings) -> Post:
    """Reply in a topic (or answer a question, `answer=True`). Locked topics refuse replies."""
    actor = await require_can_act(actor)
    errors: list[DomainError] = []
    body = check_body(data.body, settings, errors)
    collect(errors)
    topic, _ = await access.visible_topic(actor, data.topic_id, field="questionId" if answer else "topicId")
    if answer and topic.kind != TopicKind.QUESTION:
        raise Invalid("This topic is not a question.", field="questionId")
    access.require_open_topic(topic, "questionId" if answer else "topicId")
    if topic.locked and not is_staff(actor):
        raise Forbidden(
            "This topic is locked: it takes no new replies.",
            code=ErrorCode.LOCKED,
            field="questionId" if answer else "topicId",
        )
    reply_to = await _related(topic, data.reply_to_id, "replyToId")
    quote = await _related(topic, data.quote_id, "quoteId")
    verdict = await gate.check(_submission(actor, topic, body, editing=False), settings)
    held = verdict.held is not None
    rendered = await render_body(verdict.text("body", body))
    quote_text = await plain_text_async(quote.body, QUOTE_LENGTH) if quote else ""
    moment = now()
    async with transaction():
        # The update takes the topic's row lock, so positions are allocated one at a time.
        counters = {"last_position": F("last_position") + 1}
        if not held:
            counters.update(reply_count=F("reply_count") + 1)
        await Topic.filter(id=topic.id).update(**counters, **({} if held else {"last_activity_at": moment}))
        counted = await Topic.filter(id=topic.id).only("id", "last_position").first()
        assert counted is not None  # updated just above, under its row lock
        position = counted.last_position
        post = await Post.create(
            topic_id=topic.id,
            author_id=actor.id,
            reply_to_id=reply_to.id if reply_to else None,
            quote_id=quote.id if quote else None,
            quote_text=quote_text,
            position=position,
            body=body,
            body_html=rendered.html,
            held=held,
        )
        if not held:
            await refresh_hot(topic.id)
        await sync_posts([post.id])
        await enqueue("post", post.id)
        await enqueue("topic", topic.id)  # its reply count and activity changed
        await gate.announce(verdict, "Post", post.id, actor.id)
    if not held:
        await announce_post(post, topic, rendered.mentioned)
    return post


def _submission(actor: User, topic: Topic, body: str, *, editing: bool) -> Submission:
    return Submission(
        author=actor,
        content_type="Post",
        texts={"body": body},
        editing=editing,
        space_id=topic.space_id,
        holdable=True,
        **gate.measure(body),
    )


async def edit_post(actor: User | None, post_id: int, body: str, *, settings: Settings) -> Post:
    """Change a post's body; the previous body is kept as a revision."""
    actor = await require_can_act(actor)
    post, topic, _ = await access.visible_post(actor, post_id)
    if not access.can_edit(actor, post.author_id, await reputation_of(actor.id), settings=settings):
        raise Forbidden("You may not edit this post.", field="postId")
    if post.deleted_at is not None:
        raise Forbidden("This post was deleted.", field="postId")
    errors: list[DomainError] = []
    body = check_body(body, settings, errors)
    collect(errors)
    if body == post.body:
        return post
    # An edit passes the gate as a new post does: a word that holds content holds the edit.
    verdict = await gate.check(_submission(actor, topic, body, editing=True), settings)
    rendered = await render_body(verdict.text("body", body))
    async with transaction():
        await PostRevision.create(post_id=post.id, editor_id=actor.id, body=post.body)
        post.body, post.body_html, post.edited_at = body, rendered.html, now()
        await post.save(update_fields=["body", "body_html", "edited_at"])
        if verdict.held and not post.held:
            await set_post_state(post, held=True)  # leaves the topic's counts until approved
        await sync_posts([post.id])
        await enqueue("post", post.id)
        await gate.announce(verdict, "Post", post.id, post.author_id)
    return post


async def set_post_state(
    post: Post, *, hidden: bool | None = None, deleted: bool | None = None, held: bool | None = None
) -> bool:
    """Change a post's moderation state, keeping its topic's counters right (in a transaction
    of the caller's). Returns whether it changed."""
    before = counts_as_reply(post)
    changed: list[str] = []
    if hidden is not None and post.hidden != hidden:
        post.hidden = hidden
        changed.append("hidden")
    if deleted is not None and (post.deleted_at is not None) != deleted:
        post.deleted_at = now() if deleted else None
        changed.append("deleted_at")
    if held is not None and post.held != held:
        post.held = held
        changed.append("held")
    if not changed:
        return False
    await post.save(update_fields=changed)
    after = counts_as_reply(post)
    if before != after:
        await Topic.filter(id=post.topic_id).update(reply_count=F("reply_count") + (1 if after else -1))
        await refresh_hot(post.topic_id)
    if post.accepted and not after:
        topic = await Topic.get(id=post.topic_id)
        await unaccept_in_transaction(topic, post.id)
        post.accepted = False
    await sync_posts([post.id])  # a hidden, deleted or held post is not public
    await enqueue("post", post.id)
    await enqueue("topic", post.topic_id)
    return True


async def delete_post(actor: User | None, post_id: int) -> Post:
    """Soft delete (author or staff): the post keeps its place, shown as deleted."""
    actor = await require_can_act(actor)
    post, _, _ = await access.visible_post(actor, post_id)
    if actor.id != post.author_id and not is_staff(actor):
        raise Forbidden("Only the author and moderators delete a post.", field="postId")
    async with transaction():
        if await set_post_state(post, deleted=True):
            await emit(ContentRemoved(content_type="Post", content_id=post.id, author_id=post.author_id))
    return post


async def post_revisions(viewer: User | None, post_id: int) -> list[PostRevision]:
    post, _, _ = await access.visible_post(viewer, post_id)
    if not access.can_read_post_body(viewer, post):
        return []
    return list(await PostRevision.filter(post_id=post_id).order_by("-id"))
