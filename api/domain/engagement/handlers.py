"""Reactions to other domains' events: points (with daily caps), counters and badge rules.

Each act is entered in the ledger under a dedupe key (with 0 points once the daily cap is
reached), so a replayed event neither pays nor counts twice. Members earn nothing from their
own acts (reacting to or accepting their own content)."""

from __future__ import annotations

from tortoise.expressions import F

from api.domain.engagement import badges, points
from api.domain.engagement.common import stats_for
from api.domain.forum.events import (
    AnswerAccepted,
    AnswerCreated,
    PostCreated,
    ReactionAdded,
    TopicCreated,
)
from api.domain.kb.events import ArticlePublished
from api.events import on
from api.models.engagement import BadgeCriterion, MemberStats
from api.models.kb import Article
from api.settings import Settings


async def _act(
    settings: Settings,
    author_id: int,
    rule: str,
    counter: str,
    criterion: BadgeCriterion,
    *,
    source_type: str,
    source_id: int,
    key: str,
) -> None:
    entry = await points.award(
        settings, author_id, rule, source_type=source_type, source_id=source_id, dedupe_key=key, record_zero=True
    )
    if entry is None:  # seen before
        return
    stats = await stats_for(author_id)
    await MemberStats.filter(id=stats.id).update(**{counter: F(counter) + 1})
    await badges.evaluate(author_id, criterion)


async def post_created(event: PostCreated, settings: Settings) -> None:
    if event.author_id is not None:
        await _act(
            settings,
            event.author_id,
            "post",
            "posts",
            BadgeCriterion.POSTS,
            source_type="Post",
            source_id=event.post_id,
            key=f"post:{event.post_id}",
        )


async def topic_created(event: TopicCreated, settings: Settings) -> None:
    # A topic's body is its opening post: it earns and counts like a post.
    if event.author_id is not None:
        await _act(
            settings,
            event.author_id,
            "post",
            "posts",
            BadgeCriterion.POSTS,
            source_type="Topic",
            source_id=event.topic_id,
            key=f"topic:{event.topic_id}",
        )


async def answer_created(event: AnswerCreated, settings: Settings) -> None:
    if event.author_id is not None:
        await _act(
            settings,
            event.author_id,
            "answer",
            "answers",
            BadgeCriterion.ANSWERS,
            source_type="Post",
            source_id=event.answer_id,
            key=f"answer:{event.answer_id}",
        )


async def answer_accepted(event: AnswerAccepted, settings: Settings) -> None:
    # Once per answer, even if it is unaccepted and accepted again.
    if event.author_id is not None and event.author_id != event.accepted_by:
        await _act(
            settings,
            event.author_id,
            "accepted_answer",
            "accepted_answers",
            BadgeCriterion.ACCEPTED_ANSWERS,
            source_type="Post",
            source_id=event.answer_id,
            key=f"accepted:{event.answer_id}",
        )


async def reaction_added(event: ReactionAdded, settings: Settings) -> None:
    if event.author_id is not None and event.author_id != event.actor_id:
        key = f"reaction:{event.subject_type}:{event.subject_id}:{event.actor_id}:{event.reaction}"
        await _act(
            settings,
            event.author_id,
            "reaction_received",
            "reactions_received",
            BadgeCriterion.REACTIONS_RECEIVED,
            source_type=event.subject_type,
            source_id=event.subject_id,
            key=key[:128],
        )


async def article_published(event: ArticlePublished, settings: Settings) -> None:
    """Knowledge-base work earns points: the article's creator, once per article (a later
    re-publication pays nothing)."""
    article = await Article.filter(id=event.article_id).first()
    if article is None or article.created_by_id is None:
        return
    await points.award(
        settings,
        article.created_by_id,
        "article_published",
        source_type="Article",
        source_id=article.id,
        dedupe_key=f"article:{article.id}",
        record_zero=True,
    )


HANDLERS = (
    on(ArticlePublished, article_published),
    on(PostCreated, post_created),
    on(TopicCreated, topic_created),
    on(AnswerCreated, answer_created),
    on(AnswerAccepted, answer_accepted),
    on(ReactionAdded, reaction_added),
)
