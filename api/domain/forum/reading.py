"""Per-member reading: how far each topic was read, bookmarks, and topic subscriptions
(WATCH: notified of every reply; MUTE: never notified of replies)."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.exceptions import IntegrityError

from api.domain.forum import access
from api.errors import NotFound
from api.models.accounts import User
from api.models.forum import Bookmark, ReadState, Space, SpaceSubscription, SubscriptionLevel, Topic, TopicSubscription
from api.policies import require_member
from api.transactions import transaction


def unread_count(topic: Topic, last_read_position: int | None) -> int:
    """Replies after the last one read; every reply when the topic was never opened."""
    return max(0, topic.last_position - (last_read_position or 0))


# Reading time a client may report per call: a page stays open a few minutes at most between
# reports, and a larger figure would let a script earn trust levels without reading.
MAX_SECONDS_PER_REPORT = 300


async def mark_read(actor: User | None, topic_id: int, position: int | None = None, seconds: int = 0) -> ReadState:
    """Record that the member read the topic up to `position` (default: to the end), and for
    how many more seconds (reading time counts toward trust levels; capped per report).
    Read state only moves forward."""
    actor = require_member(actor)
    topic, _ = await access.visible_topic(actor, topic_id)
    target = topic.last_position if position is None else max(0, min(position, topic.last_position))
    seconds = max(0, min(seconds, MAX_SECONDS_PER_REPORT))
    for _attempt in range(2):
        try:
            async with transaction():
                state = await ReadState.filter(user_id=actor.id, topic_id=topic.id).select_for_update().first()
                if state is None:
                    return await ReadState.create(
                        user_id=actor.id, topic_id=topic.id, last_read_position=target, seconds_read=seconds
                    )
                if target > state.last_read_position or seconds:
                    state.last_read_position = max(target, state.last_read_position)
                    state.seconds_read += seconds
                    await state.save(update_fields=["last_read_position", "seconds_read", "updated_at"])
                return state
        except IntegrityError:  # a concurrent first read created the row: update it instead
            continue
    return await ReadState.get(user_id=actor.id, topic_id=topic.id)


async def read_positions(user_id: int, topic_ids: Iterable[int]) -> dict[int, int]:
    rows = await ReadState.filter(user_id=user_id, topic_id__in=list(set(topic_ids))).values(
        "topic_id", "last_read_position"
    )
    return {r["topic_id"]: r["last_read_position"] for r in rows}


async def set_bookmark(actor: User | None, topic_id: int, bookmarked: bool) -> Topic:
    actor = require_member(actor)
    topic, _ = await access.visible_topic(actor, topic_id)
    if bookmarked:
        try:
            await Bookmark.get_or_create(user_id=actor.id, topic_id=topic.id)
        except IntegrityError:  # created concurrently: the bookmark exists, as asked
            pass
    else:
        await Bookmark.filter(user_id=actor.id, topic_id=topic.id).delete()
    return topic


async def set_subscription(actor: User | None, topic_id: int, level: SubscriptionLevel | None) -> Topic:
    """WATCH or MUTE a topic; None returns to the default (notified as author or when replied to)."""
    actor = require_member(actor)
    topic, _ = await access.visible_topic(actor, topic_id)
    async with transaction():
        await TopicSubscription.filter(user_id=actor.id, topic_id=topic.id).delete()
        if level is not None:
            await TopicSubscription.create(user_id=actor.id, topic_id=topic.id, level=level)
    return topic


async def set_space_subscription(actor: User | None, space_id: int, level: SubscriptionLevel | None) -> Space:
    """WATCH (notified of every new topic and reply) or MUTE (no notifications but mentions) a
    whole space the member can see; None returns to the default."""
    actor = require_member(actor)
    spaces = await access.space_index()
    space = spaces.by_id.get(space_id)
    if space is None or not spaces.can_view(actor, space_id):
        raise NotFound("No such space.", field="spaceId")
    async with transaction():
        await SpaceSubscription.filter(user_id=actor.id, space_id=space_id).delete()
        if level is not None:
            await SpaceSubscription.create(user_id=actor.id, space_id=space_id, level=level)
    return space
