"""Reactions: a fixed set of emoji (setting FORUM_REACTIONS), one of each per member per topic
or post. Reacting twice is a no-op; members do not react to their own content."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count

from api.domain.content import gate
from api.domain.forum import access
from api.domain.forum.events import ReactionAdded
from api.domain.forum.hot import refresh_hot
from api.errors import Forbidden, Invalid
from api.events import emit
from api.models.accounts import User
from api.models.forum import Post, Reaction, Topic
from api.policies import require_can_act
from api.settings import Settings
from api.transactions import transaction


async def _subject(actor: User, subject_type: str, subject_id: int) -> tuple[Topic, Post | None, int | None]:
    if subject_type == "Topic":
        topic, _ = await access.visible_topic(actor, subject_id, field="subjectId")
        access.require_open_topic(topic, "subjectId")
        return topic, None, topic.author_id
    if subject_type == "Post":
        post, topic, _ = await access.visible_post(actor, subject_id, field="subjectId")
        access.require_open_topic(topic, "subjectId")
        access.require_live_post(post, "subjectId")
        return topic, post, post.author_id
    raise Invalid("React to a topic or a post.", field="subjectId")


async def _bump(subject_type: str, subject_id: int, topic_id: int, delta: int) -> None:
    model = Topic if subject_type == "Topic" else Post
    await model.filter(id=subject_id).update(reaction_count=F("reaction_count") + delta)
    if subject_type == "Topic":
        await refresh_hot(topic_id)


async def react(actor: User | None, subject_type: str, subject_id: int, reaction: str, *, settings: Settings) -> bool:
    """Add a reaction; False when the member had already reacted so."""
    actor = await gate.may_take_part(actor, settings)
    if reaction not in settings.forum_reactions:
        raise Invalid(f"React with one of {' '.join(settings.forum_reactions)}.", field="reaction")
    topic, _, author_id = await _subject(actor, subject_type, subject_id)
    if author_id == actor.id:
        raise Forbidden("You cannot react to your own content.", field="subjectId")
    try:
        async with transaction():
            await Reaction.create(user_id=actor.id, subject_type=subject_type, subject_id=subject_id, reaction=reaction)
            await _bump(subject_type, subject_id, topic.id, 1)
    except IntegrityError:  # the unique key: already reacted so
        return False
    await emit(
        ReactionAdded(
            subject_type=subject_type, subject_id=subject_id, author_id=author_id, actor_id=actor.id, reaction=reaction
        )
    )
    return True


async def unreact(actor: User | None, subject_type: str, subject_id: int, reaction: str) -> bool:
    """Remove a reaction; False when there was none."""
    actor = await require_can_act(actor)
    if subject_type == "Topic":
        topic, _ = await access.visible_topic(actor, subject_id, field="subjectId")
    elif subject_type == "Post":
        _, topic, _ = await access.visible_post(actor, subject_id, field="subjectId")
    else:
        raise Invalid("React to a topic or a post.", field="subjectId")
    async with transaction():
        removed = await Reaction.filter(
            user_id=actor.id, subject_type=subject_type, subject_id=subject_id, reaction=reaction
        ).delete()
        if removed:
            await _bump(subject_type, subject_id, topic.id, -1)
    return bool(removed)


async def reaction_counts(subject_type: str, ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{subject id: {emoji: count}} in one grouped query."""
    ids = list(set(ids))
    result: dict[int, dict[str, int]] = defaultdict(dict)
    if not ids:
        return result
    rows = await (
        Reaction.filter(subject_type=subject_type, subject_id__in=ids)
        .annotate(n=Count("id"))
        .group_by("subject_id", "reaction")
        .values("subject_id", "reaction", "n")
    )
    for row in rows:
        result[row["subject_id"]][row["reaction"]] = row["n"]
    return result


async def reactions_of(user_id: int, subject_type: str, ids: Iterable[int]) -> dict[int, set[str]]:
    """{subject id: the member's emoji} in one query."""
    ids = list(set(ids))
    result: dict[int, set[str]] = defaultdict(set)
    if not ids:
        return result
    rows = await Reaction.filter(user_id=user_id, subject_type=subject_type, subject_id__in=ids).values(
        "subject_id", "reaction"
    )
    for row in rows:
        result[row["subject_id"]].add(row["reaction"])
    return result
