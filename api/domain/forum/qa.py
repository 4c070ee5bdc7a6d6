"""Q&A: votes on questions and answers, the accepted answer, and reputation.

Reputation is an append-only ledger (`ReputationEvent`): every vote or acceptance adds rows,
and changing or withdrawing it adds the reversing rows. A member's reputation is the sum of
their rows, clamped at 0 so nobody shows negative reputation.
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum

from api.domain.content import gate
from api.domain.content.events import ContentHidden, ContentRemoved, ContentRestored
from api.domain.forum import access
from api.domain.forum.announce import publish_topic_activity
from api.domain.forum.events import AnswerAccepted, VoteCast
from api.domain.forum.hot import refresh_hot
from api.domain.notifications import notify
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.events import emit
from api.models.accounts import User
from api.models.forum import Post, ReputationEvent, Topic, TopicKind, Vote
from api.policies import is_staff, require_can_act
from api.settings import Settings
from api.transactions import transaction
from search.outbox import enqueue

# Ledger amounts: (reason, amount).
ANSWER_UPVOTED = ("answer_upvoted", 10)
QUESTION_UPVOTED = ("question_upvoted", 5)
DOWNVOTE_RECEIVED = ("downvote_received", -2)
ANSWER_DOWNVOTE_CAST = ("answer_downvote_cast", -1)  # downvoting an answer costs the voter a little
ANSWER_ACCEPTED = ("answer_accepted", 15)
ACCEPTED_AN_ANSWER = ("accepted_an_answer", 2)

VOTE_VALUES = (-1, 0, 1)


async def reputations(user_ids: Iterable[int]) -> dict[int, int]:
    """Reputation of each member (0 for members without ledger rows), in one query."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = await (
        ReputationEvent.filter(user_id__in=ids)
        .annotate(total=Sum("amount"))
        .group_by("user_id")
        .values("user_id", "total")
    )
    totals = {r["user_id"]: int(r["total"] or 0) for r in rows}
    return {i: max(0, totals.get(i, 0)) for i in ids}


async def reputation_of(user_id: int) -> int:
    return (await reputations([user_id]))[user_id]


async def _ledger(
    user_id: int | None, entry: tuple[str, int], *, sign: int, subject_type: str, subject_id: int, actor_id: int | None
) -> None:
    if user_id is None:
        return
    reason, amount = entry
    await ReputationEvent.create(
        user_id=user_id,
        amount=amount * sign,
        reason=reason if sign > 0 else f"{reason}_undone",
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor_id,
    )


async def _vote_effects(
    value: int, *, sign: int, subject_type: str, subject_id: int, author_id: int | None, voter_id: int
) -> None:
    """Ledger rows of one vote (`sign` -1 reverses them)."""
    if value == 1:
        entry = ANSWER_UPVOTED if subject_type == "Post" else QUESTION_UPVOTED
        await _ledger(author_id, entry, sign=sign, subject_type=subject_type, subject_id=subject_id, actor_id=voter_id)
    elif value == -1:
        await _ledger(
            author_id, DOWNVOTE_RECEIVED, sign=sign, subject_type=subject_type, subject_id=subject_id, actor_id=voter_id
        )
        if subject_type == "Post":
            await _ledger(
                voter_id,
                ANSWER_DOWNVOTE_CAST,
                sign=sign,
                subject_type=subject_type,
                subject_id=subject_id,
                actor_id=voter_id,
            )


async def _votable(actor: User, subject_type: str, subject_id: int) -> tuple[Topic, Post | None]:
    if subject_type == "Topic":
        topic, _ = await access.visible_topic(actor, subject_id, field="subjectId")
        post = None
    elif subject_type == "Post":
        post, topic, _ = await access.visible_post(actor, subject_id, field="subjectId")
        access.require_live_post(post, "subjectId")
    else:
        raise Invalid("Vote on a question or an answer.", field="subjectId")
    if topic.kind != TopicKind.QUESTION:
        raise Invalid("Only questions and answers take votes.", field="subjectId")
    access.require_open_topic(topic, "subjectId")
    return topic, post


async def vote(
    actor: User | None, subject_type: str, subject_id: int, value: int, *, settings: Settings
) -> tuple[Topic, Post | None]:
    """Cast, change (UP/DOWN) or withdraw (NONE = 0) the actor's vote. Returns the subject
    re-read with its new score."""
    actor = await gate.may_take_part(actor, settings)
    if value not in VOTE_VALUES:
        raise Invalid("Vote UP, DOWN or NONE.", field="value")
    topic, post = await _votable(actor, subject_type, subject_id)
    author_id = post.author_id if post is not None else topic.author_id
    if author_id == actor.id:
        raise Forbidden("You cannot vote on your own content.", field="subjectId")
    if value == -1 and not is_staff(actor) and await reputation_of(actor.id) < settings.reputation_to_downvote:
        raise Forbidden(f"Downvoting needs {settings.reputation_to_downvote} reputation.", field="value")
    model = Post if post is not None else Topic
    changed = False
    try:
        async with transaction():
            existing = (
                await Vote.filter(user_id=actor.id, subject_type=subject_type, subject_id=subject_id)
                .select_for_update()
                .first()
            )
            old = existing.value if existing is not None else 0
            if old != value:
                changed = True
                if existing is None:
                    await Vote.create(user_id=actor.id, subject_type=subject_type, subject_id=subject_id, value=value)
                elif value == 0:
                    await existing.delete()
                else:
                    existing.value = value
                    await existing.save(update_fields=["value", "updated_at"])
                await model.filter(id=subject_id).update(score=F("score") + (value - old))
                if old:
                    await _vote_effects(
                        old,
                        sign=-1,
                        subject_type=subject_type,
                        subject_id=subject_id,
                        author_id=author_id,
                        voter_id=actor.id,
                    )
                if value:
                    await _vote_effects(
                        value,
                        sign=1,
                        subject_type=subject_type,
                        subject_id=subject_id,
                        author_id=author_id,
                        voter_id=actor.id,
                    )
                if post is None:
                    await refresh_hot(topic.id)
                await enqueue("post" if post is not None else "topic", subject_id)  # the score is indexed
    except IntegrityError:  # a concurrent first vote of the same member won the unique key
        raise Conflict("Your vote changed meanwhile; try again.", field="subjectId") from None
    if changed:
        await emit(
            VoteCast(
                subject_type=subject_type, subject_id=subject_id, author_id=author_id, voter_id=actor.id, value=value
            )
        )
    topic = await Topic.get(id=topic.id)
    post = await Post.get(id=post.id) if post is not None else None
    return topic, post


async def accept_answer(actor: User | None, answer_id: int, accepted: bool = True) -> tuple[Topic, Post]:
    """The asker (or a moderator) accepts one answer; accepting another replaces it."""
    actor = await require_can_act(actor)
    post, topic, spaces = await access.visible_post(actor, answer_id, field="answerId")
    if topic.kind != TopicKind.QUESTION:
        raise Invalid("Only answers to questions can be accepted.", field="answerId")
    if actor.id != topic.author_id and not is_staff(actor):
        raise Forbidden("Only the asker and moderators accept an answer.", field="answerId")
    access.require_open_topic(topic, "answerId")
    if accepted:
        access.require_live_post(post, "answerId")
    async with transaction():
        locked = await Topic.filter(id=topic.id).select_for_update().first()
        if locked is None:
            raise NotFound("No such question.", field="answerId")
        topic = locked
        current = topic.accepted_post_id
        if (accepted and current == post.id) or (not accepted and current != post.id):
            return topic, post  # nothing to change
        if current is not None:
            await unaccept_in_transaction(topic, current)
        await enqueue("topic", topic.id)  # its status (ANSWERED) is indexed
        if accepted:
            await Post.filter(id=post.id).update(accepted=True)
            await Topic.filter(id=topic.id).update(accepted_post_id=post.id)
            await enqueue("post", post.id)
            if post.author_id != topic.author_id:  # no reputation for accepting oneself
                await _ledger(
                    post.author_id, ANSWER_ACCEPTED, sign=1, subject_type="Post", subject_id=post.id, actor_id=actor.id
                )
                await _ledger(
                    topic.author_id,
                    ACCEPTED_AN_ANSWER,
                    sign=1,
                    subject_type="Post",
                    subject_id=post.id,
                    actor_id=actor.id,
                )
    topic = await Topic.get(id=topic.id)
    post = await Post.get(id=post.id)
    if accepted:
        await emit(
            AnswerAccepted(answer_id=post.id, question_id=topic.id, author_id=post.author_id, accepted_by=actor.id)
        )
        if post.author_id is not None:
            author = await User.get(id=post.author_id)
            if spaces.can_view(author, topic.space_id):
                await notify(
                    post.author_id,
                    "qa.accepted",
                    actor_id=actor.id,
                    subject_type="Post",
                    subject_id=post.id,
                    message=f"Your answer to “{topic.title}” was accepted.",
                )
    await publish_topic_activity(topic, "UPDATED", spaces)
    return topic, post


async def unaccept_in_transaction(topic: Topic, post_id: int) -> None:
    """Withdraw the acceptance of `post_id` with its reputation (inside a transaction)."""
    old = await Post.filter(id=post_id).first()
    await Post.filter(id=post_id).update(accepted=False)
    await Topic.filter(id=topic.id).update(accepted_post_id=None)
    topic.accepted_post_id = None
    await enqueue("post", post_id)
    if old is not None and old.author_id != topic.author_id:
        await _ledger(old.author_id, ANSWER_ACCEPTED, sign=-1, subject_type="Post", subject_id=post_id, actor_id=None)
        await _ledger(
            topic.author_id, ACCEPTED_AN_ANSWER, sign=-1, subject_type="Post", subject_id=post_id, actor_id=None
        )


# Reputation earned by content is taken back when moderation hides it or it is deleted, and given
# back if it is restored (as points are: api.domain.engagement.reversals).
TAKEN_BACK, GIVEN_BACK = "content_taken_back", "content_given_back"


async def _settle_reputation(content_type: str, content_id: int, *, restore: bool) -> None:
    if content_type not in ("Topic", "Post"):
        return
    rows = await ReputationEvent.filter(subject_type=content_type, subject_id=content_id).values_list(
        "user_id", "reason", "amount"
    )
    net: dict[int, int] = {}
    earned: dict[int, int] = {}
    reversals: dict[int, int] = {}
    for user_id, reason, amount in rows:
        net[user_id] = net.get(user_id, 0) + amount
        if reason in (TAKEN_BACK, GIVEN_BACK):
            reversals[user_id] = reversals.get(user_id, 0) + (1 if reason == TAKEN_BACK else -1)
        else:
            earned[user_id] = earned.get(user_id, 0) + amount
    for user_id in net:
        taken = reversals.get(user_id, 0) > 0
        change = earned.get(user_id, 0) - net[user_id] if restore else -net[user_id]
        if taken != restore or change == 0:
            continue
        await ReputationEvent.create(
            user_id=user_id,
            amount=change,
            reason=GIVEN_BACK if restore else TAKEN_BACK,
            subject_type=content_type,
            subject_id=content_id,
        )


async def take_back_hidden_reputation(event: ContentHidden, settings: Settings) -> None:
    await _settle_reputation(event.content_type, event.content_id, restore=False)


async def take_back_removed_reputation(event: ContentRemoved, settings: Settings) -> None:
    await _settle_reputation(event.content_type, event.content_id, restore=False)


async def give_back_reputation(event: ContentRestored, settings: Settings) -> None:
    await _settle_reputation(event.content_type, event.content_id, restore=True)
