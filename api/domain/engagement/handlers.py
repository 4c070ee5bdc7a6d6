"""Reactions to other domains' events: points (with daily caps), counters and badge rules.

Each act is entered in the ledger under a dedupe key (with 0 points once the daily cap is
reached), so a replayed event neither pays nor counts twice. Members earn nothing from their
own acts (reacting to or accepting their own content)."""

from __future__ import annotations

from tortoise.expressions import F

from api.domain.engagement import badges, points
from api.domain.engagement.common import stats_for
from api.domain.events import on
from api.models.engagement import BadgeCriterion, MemberStats
from api.settings import get_settings


async def _act(author_id: int, rule: str, counter: str, criterion: BadgeCriterion, *, source_type: str,
               source_id: int, key: str) -> None:
    entry = await points.award(get_settings(), author_id, rule, source_type=source_type, source_id=source_id,
                               dedupe_key=key, record_zero=True)
    if entry is None:  # seen before
        return
    stats = await stats_for(author_id)
    await MemberStats.filter(id=stats.id).update(**{counter: F(counter) + 1})
    await badges.evaluate(author_id, criterion)


@on("forum.post_created")
async def post_created(post_id: int, topic_id: int, author_id: int | None, **_: object) -> None:
    if author_id is not None:
        await _act(author_id, "post", "posts", BadgeCriterion.POSTS, source_type="Post", source_id=post_id,
                   key=f"post:{post_id}")


@on("forum.topic_created")
async def topic_created(topic_id: int, author_id: int | None, **_: object) -> None:
    # A topic's body is its opening post: it earns and counts like a post.
    if author_id is not None:
        await _act(author_id, "post", "posts", BadgeCriterion.POSTS, source_type="Topic", source_id=topic_id,
                   key=f"topic:{topic_id}")


@on("qa.answer_created")
async def answer_created(answer_id: int, question_id: int, author_id: int | None, **_: object) -> None:
    if author_id is not None:
        await _act(author_id, "answer", "answers", BadgeCriterion.ANSWERS, source_type="Post",
                   source_id=answer_id, key=f"answer:{answer_id}")


@on("qa.answer_accepted")
async def answer_accepted(answer_id: int, question_id: int, author_id: int | None,
                          accepted_by: int | None = None, **_: object) -> None:
    # Once per answer, even if it is unaccepted and accepted again.
    if author_id is not None and author_id != accepted_by:
        await _act(author_id, "accepted_answer", "accepted_answers", BadgeCriterion.ACCEPTED_ANSWERS,
                   source_type="Post", source_id=answer_id, key=f"accepted:{answer_id}")


@on("forum.reaction_added")
async def reaction_added(subject_type: str, subject_id: int, author_id: int | None, actor_id: int | None,
                         reaction: str = "", **_: object) -> None:
    if author_id is not None and author_id != actor_id:
        await _act(author_id, "reaction_received", "reactions_received", BadgeCriterion.REACTIONS_RECEIVED,
                   source_type=subject_type, source_id=subject_id,
                   key=f"reaction:{subject_type}:{subject_id}:{actor_id}:{reaction}"[:128])
