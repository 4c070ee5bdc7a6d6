"""What follows a published topic or post, once its transaction has committed: domain events,
notifications (mentions, replies, answers) and live updates for subscriptions.

Nobody is told about content they may not see: every recipient is checked against the
space's visibility first (a mention in a PRIVATE space does not notify outsiders).
"""

from __future__ import annotations

from api.domain.forum.access import SpaceIndex, space_index
from api.domain.forum.events import AnswerCreated, PostCreated, TopicCreated
from api.domain.notifications import notify_many
from api.events import emit
from api.markdown import plain_text_async
from api.models.accounts import User
from api.models.forum import Post, SpaceSubscription, SubscriptionLevel, Topic, TopicKind, TopicSubscription
from api.pubsub import publish


def topic_channel(topic_id: int) -> str:
    return f"forum:topic:{topic_id}"


def space_channel(space_id: int) -> str:
    return f"forum:space:{space_id}"


async def publish_topic_activity(topic: Topic, action: str, spaces: SpaceIndex | None = None) -> None:
    """Tell subscribers of the topic's space (and of its parent space) that the topic changed."""
    spaces = spaces or await space_index()
    space = spaces.get(topic.space_id)
    targets = [topic.space_id]
    if space is not None and space.parent_id is not None:
        targets.append(space.parent_id)
    for space_id in targets:
        await publish(space_channel(space_id), {"topic_id": topic.id, "action": action})


async def _notify_visible(
    users: list[User],
    spaces: SpaceIndex,
    space_id: int,
    kind: str,
    *,
    actor_id: int | None,
    subject_type: str,
    subject_id: int,
    message: str,
    skip: set[int],
) -> set[int]:
    targets = {u.id for u in users if u.id not in skip and spaces.can_view(u, space_id)} - {actor_id}
    await notify_many(
        targets, kind, actor_id=actor_id, subject_type=subject_type, subject_id=subject_id, message=message
    )
    return targets


async def space_followers(space_id: int) -> tuple[list[User], set[int]]:
    """Members watching the space (loaded) and the ids of those who muted it."""
    rows = await SpaceSubscription.filter(space_id=space_id).select_related("user")
    return (
        [r.user for r in rows if r.level == SubscriptionLevel.WATCH],
        {r.user_id for r in rows if r.level == SubscriptionLevel.MUTE},
    )


async def announce_topic(topic: Topic, mentioned: list[User]) -> None:
    spaces = await space_index()
    notified = await _notify_visible(
        mentioned,
        spaces,
        topic.space_id,
        "forum.mention",
        actor_id=topic.author_id,
        subject_type="Topic",
        subject_id=topic.id,
        message=f"You were mentioned in “{topic.title}”.",
        skip=set(),
    )
    watching, _ = await space_followers(topic.space_id)
    await _notify_visible(
        watching,
        spaces,
        topic.space_id,
        "forum.new_topic",
        actor_id=topic.author_id,
        subject_type="Topic",
        subject_id=topic.id,
        message=f"New topic in a space you watch: “{topic.title}”.",
        skip=notified,
    )
    await emit(TopicCreated(topic_id=topic.id, author_id=topic.author_id, space_id=topic.space_id))
    await publish_topic_activity(topic, "CREATED", spaces)


async def announce_post(post: Post, topic: Topic, mentioned: list[User]) -> None:
    """Mentions first; then the topic's author, the author of the post replied to and the
    topic's watchers get one reply (or answer) notification each, unless they muted the topic."""
    spaces = await space_index()
    is_answer = topic.kind == TopicKind.QUESTION
    excerpt = await plain_text_async(post.body, 120)
    notified = await _notify_visible(
        mentioned,
        spaces,
        topic.space_id,
        "forum.mention",
        actor_id=post.author_id,
        subject_type="Post",
        subject_id=post.id,
        message=f"You were mentioned in “{topic.title}”: {excerpt}",
        skip=set(),
    )
    subscriptions = await TopicSubscription.filter(topic_id=topic.id).select_related("user")
    space_watchers, space_muted = await space_followers(topic.space_id)
    topic_levels = {s.user_id: s.level for s in subscriptions}
    # A topic's own setting wins over its space's.
    muted = {s.user_id for s in subscriptions if s.level == SubscriptionLevel.MUTE} | {
        i for i in space_muted if i not in topic_levels
    }
    recipient_ids: list[int] = []
    if topic.author_id is not None:
        recipient_ids.append(topic.author_id)
    if post.reply_to_id is not None:
        parent = await Post.filter(id=post.reply_to_id).only("id", "author_id").first()
        if parent is not None and parent.author_id is not None:
            recipient_ids.append(parent.author_id)
    watchers = [s.user for s in subscriptions if s.level == SubscriptionLevel.WATCH] + [
        u for u in space_watchers if u.id not in topic_levels
    ]
    direct = await User.filter(id__in=recipient_ids) if recipient_ids else []
    by_id = {u.id: u for u in [*direct, *watchers]}
    ordered = [by_id[i] for i in dict.fromkeys([*recipient_ids, *(w.id for w in watchers)]) if i in by_id]
    if is_answer:
        # The asker hears of an answer; everybody else of a reply.
        asker = [u for u in ordered if u.id == topic.author_id]
        notified |= await _notify_visible(
            asker,
            spaces,
            topic.space_id,
            "qa.answer",
            actor_id=post.author_id,
            subject_type="Post",
            subject_id=post.id,
            message=f"New answer to “{topic.title}”: {excerpt}",
            skip=notified | muted,
        )
    await _notify_visible(
        ordered,
        spaces,
        topic.space_id,
        "forum.reply",
        actor_id=post.author_id,
        subject_type="Post",
        subject_id=post.id,
        message=f"New reply in “{topic.title}”: {excerpt}",
        skip=notified | muted,
    )
    if is_answer:
        await emit(AnswerCreated(answer_id=post.id, question_id=topic.id, author_id=post.author_id))
    else:
        await emit(PostCreated(post_id=post.id, topic_id=topic.id, author_id=post.author_id))
    await publish(topic_channel(topic.id), {"post_id": post.id})
    await publish_topic_activity(topic, "REPLIED", spaces)
