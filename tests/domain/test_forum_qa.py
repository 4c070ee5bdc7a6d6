"""Q&A and reactions without GraphQL: votes, reputation ledger, accepted answers, HOT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.domain.forum import qa, reactions
from api.domain.forum.hot import hot_score
from api.errors import Forbidden, Invalid
from api.models.accounts import Role, Visibility
from api.models.forum import Post, Reaction, ReputationEvent, Topic, TopicKind, Vote
from api.models.notifications import Notification
from tests.domain.forum_helpers import make_post, make_space, make_topic


@pytest.fixture
async def admin(factory):
    return await factory.user("root", role="ADMIN")


@pytest.fixture
async def question(factory, admin, app_settings):
    space = await make_space(admin, "Help")
    asker = await factory.user("asker")
    return await make_topic(asker, space, app_settings, title="How do I X?", kind=TopicKind.QUESTION)


async def test_votes_move_score_and_reputation_through_the_ledger(factory, question, app_settings):
    answerer, voter = await factory.user(), await factory.user()
    answer = await make_post(answerer, question, app_settings, body="Do Y.")
    await qa.vote(voter, "Post", answer.id, 1, settings=app_settings)
    await qa.vote(voter, "Topic", question.id, 1, settings=app_settings)
    assert (await Post.get(id=answer.id)).score == 1 and (await Topic.get(id=question.id)).score == 1
    assert await qa.reputation_of(answerer.id) == 10
    assert await qa.reputation_of(question.author_id) == 5
    await qa.vote(voter, "Post", answer.id, 1, settings=app_settings)  # same vote again: nothing changes
    assert await Vote.filter(user_id=voter.id).count() == 2 and await qa.reputation_of(answerer.id) == 10
    await qa.vote(voter, "Post", answer.id, 0, settings=app_settings)  # withdrawn: reversed, not deleted
    assert await qa.reputation_of(answerer.id) == 0
    assert [e.reason for e in await ReputationEvent.filter(user_id=answerer.id).order_by("id")] == [
        "answer_upvoted",
        "answer_upvoted_undone",
    ]
    assert (await Post.get(id=answer.id)).score == 0


async def test_no_voting_on_own_content_and_downvotes_need_reputation(factory, question, app_settings):
    answerer, voter = await factory.user(), await factory.user()
    answer = await make_post(answerer, question, app_settings)
    with pytest.raises(Forbidden):
        await qa.vote(answerer, "Post", answer.id, 1, settings=app_settings)
    with pytest.raises(Forbidden) as caught:
        await qa.vote(voter, "Post", answer.id, -1, settings=app_settings)
    assert caught.value.field == "value"
    await ReputationEvent.create(user_id=voter.id, amount=app_settings.reputation_to_downvote, reason="test")
    await qa.vote(voter, "Post", answer.id, -1, settings=app_settings)
    assert (await Post.get(id=answer.id)).score == -1
    assert await qa.reputation_of(answerer.id) == 0  # -2, clamped: never negative
    assert await qa.reputation_of(voter.id) == app_settings.reputation_to_downvote - 1
    assert await Vote.all().count() == 1


async def test_votes_only_on_questions_and_answers(factory, admin, app_settings):
    space = await make_space(admin)
    author, voter = await factory.user(), await factory.user()
    discussion = await make_topic(author, space, app_settings)
    with pytest.raises(Invalid):
        await qa.vote(voter, "Topic", discussion.id, 1, settings=app_settings)


async def test_one_vote_per_member_is_a_database_rule(factory, question):
    from tortoise.exceptions import IntegrityError

    voter = await factory.user()
    await Vote.create(user_id=voter.id, subject_type="Topic", subject_id=question.id, value=1)
    with pytest.raises(IntegrityError):
        await Vote.create(user_id=voter.id, subject_type="Topic", subject_id=question.id, value=-1)


async def test_accepting_answers(factory, question, app_settings):
    first_author, second_author, stranger = await factory.user(), await factory.user(), await factory.user()
    first = await make_post(first_author, question, app_settings)
    second = await make_post(second_author, question, app_settings)
    asker = await question.author
    with pytest.raises(Forbidden):
        await qa.accept_answer(stranger, first.id)
    await qa.accept_answer(asker, first.id)
    assert await qa.reputation_of(first_author.id) == 15 and await qa.reputation_of(asker.id) == 2
    notes = await Notification.filter(user_id=first_author.id, kind="qa.accepted").count()
    assert notes == 1
    mod = await factory.user(role="MODERATOR")
    await qa.accept_answer(mod, second.id)  # replaces: one accepted answer at a time
    assert [p.accepted for p in await Post.filter(topic_id=question.id).order_by("id")] == [False, True]
    assert (await Topic.get(id=question.id)).accepted_post_id == second.id
    assert await qa.reputation_of(first_author.id) == 0 and await qa.reputation_of(second_author.id) == 15
    assert await qa.reputation_of(asker.id) == 2
    await qa.accept_answer(asker, second.id, accepted=False)
    assert (await Topic.get(id=question.id)).accepted_post_id is None
    assert await qa.reputation_of(second_author.id) == 0 and await qa.reputation_of(asker.id) == 0


async def test_deleting_the_accepted_answer_withdraws_acceptance(factory, question, app_settings):
    from api.domain.forum import posts

    answerer = await factory.user()
    answer = await make_post(answerer, question, app_settings)
    await qa.accept_answer(await question.author, answer.id)
    await posts.delete_post(answerer, answer.id)
    assert (await Topic.get(id=question.id)).accepted_post_id is None
    assert await qa.reputation_of(answerer.id) == 0


async def test_answers_notify_the_asker(factory, question, app_settings):
    answerer = await factory.user()
    await make_post(answerer, question, app_settings)
    kinds = list(await Notification.filter(user_id=question.author_id).values_list("kind", flat=True))
    assert kinds == ["qa.answer"]


async def test_reactions_are_a_fixed_set_once_per_member(factory, admin, app_settings):
    space = await make_space(admin)
    author, fan, other = await factory.user(), await factory.user(), await factory.user()
    topic = await make_topic(author, space, app_settings)
    post = await make_post(author, topic, app_settings)
    thumbs, heart = app_settings.forum_reactions[:2]
    assert await reactions.react(fan, "Post", post.id, thumbs, settings=app_settings)
    assert not await reactions.react(fan, "Post", post.id, thumbs, settings=app_settings)  # once per kind
    assert await reactions.react(fan, "Post", post.id, heart, settings=app_settings)
    assert await reactions.react(other, "Post", post.id, thumbs, settings=app_settings)
    with pytest.raises(Invalid):
        await reactions.react(fan, "Post", post.id, "🦄", settings=app_settings)
    with pytest.raises(Forbidden):
        await reactions.react(author, "Post", post.id, thumbs, settings=app_settings)
    assert (await reactions.reaction_counts("Post", [post.id]))[post.id] == {thumbs: 2, heart: 1}
    assert (await reactions.reactions_of(fan.id, "Post", [post.id]))[post.id] == {thumbs, heart}
    assert (await Post.get(id=post.id)).reaction_count == 3
    assert await reactions.unreact(fan, "Post", post.id, heart)
    assert not await reactions.unreact(fan, "Post", post.id, heart)
    assert (await Post.get(id=post.id)).reaction_count == 2 and await Reaction.all().count() == 2


async def test_private_content_cannot_be_reacted_to_or_voted_by_outsiders(factory, admin, app_settings):
    from api.errors import NotFound

    staff = await make_space(admin, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    mod, outsider = await factory.user(role="MODERATOR"), await factory.user()
    question = await make_topic(mod, staff, app_settings, kind=TopicKind.QUESTION)
    with pytest.raises(NotFound):
        await reactions.react(outsider, "Topic", question.id, app_settings.forum_reactions[0], settings=app_settings)
    with pytest.raises(NotFound):
        await qa.vote(outsider, "Topic", question.id, 1, settings=app_settings)


def test_hot_decays_with_time_and_grows_with_engagement():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    quiet_new = hot_score(replies=0, reactions=0, score=0, last_activity=moment)
    busy_new = hot_score(replies=5, reactions=10, score=2, last_activity=moment)
    busy_old = hot_score(replies=5, reactions=10, score=2, last_activity=moment - timedelta(days=3))
    assert busy_new > quiet_new > busy_old
    # 12.5 hours of recency are worth ten times the engagement.
    a = hot_score(replies=0, reactions=9, score=0, last_activity=moment)
    b = hot_score(replies=0, reactions=0, score=0, last_activity=moment + timedelta(seconds=45_000))
    assert a == pytest.approx(b)


async def test_concurrent_replies_and_votes_keep_counters_exact(factory, question, app_settings):
    import asyncio

    from api.errors import Conflict

    members = [await factory.user() for _ in range(8)]
    replies = await asyncio.gather(
        *(make_post(m, question, app_settings, body=f"answer {i}") for i, m in enumerate(members))
    )
    assert sorted(p.position for p in replies) == list(range(1, 9))
    topic = await Topic.get(id=question.id)
    assert (topic.reply_count, topic.last_position) == (8, 8)
    voter = members[0]
    outcomes = await asyncio.gather(
        *(qa.vote(voter, "Post", replies[1].id, 1, settings=app_settings) for _ in range(5)), return_exceptions=True
    )
    assert all(not isinstance(o, Exception) or isinstance(o, Conflict) for o in outcomes), outcomes
    assert await Vote.filter(user_id=voter.id).count() == 1
    assert (await Post.get(id=replies[1].id)).score == 1
    assert await qa.reputation_of(replies[1].author_id) == 10
