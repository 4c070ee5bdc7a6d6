"""Polls and surveys without GraphQL."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import pytest

from api.domain.governance import closing, polls, surveys
from api.errors import Conflict, DomainError, ErrorCode, Forbidden, Sanctioned
from api.models.accounts import Sanction, SanctionKind
from api.models.governance import Poll, PollResults, PollStatus, PollVote, QuestionKind, Survey, SurveyResponse
from api.policy import can_view
from api.timeutil import now


async def topic_of(author, visibility="PUBLIC"):
    from api.models.forum import Space, Topic

    space = await Space.create(name=f"S {visibility}", slug=f"s-{visibility.lower()}", visibility=visibility)
    return await Topic.create(space=space, author=author, title="Meetup", body="When?", last_activity_at=now())


async def test_poll_votes_change_and_respect_max_choices(factory, app_settings):
    author, voter = await factory.user(), await factory.user()
    topic = await topic_of(author)
    with pytest.raises(Forbidden):  # only the topic's author (or staff) attaches polls to it
        await polls.create_poll(
            voter, polls.PollInput(question="Q", options=["A", "B"], topic_id=topic.id), settings=app_settings
        )
    poll = await polls.create_poll(
        author,
        polls.PollInput(
            question="Which days?",
            options=["Mon", "Tue", "Wed"],
            multiple=True,
            max_choices=2,
            topic_id=topic.id,
        ),
        settings=app_settings,
    )
    assert poll.topic_id == topic.id and poll.max_choices == 2
    with pytest.raises(DomainError) as error:
        await polls.vote(voter, poll.id, [0, 1, 2])
    assert error.value.field == "choices"
    await asyncio.gather(polls.vote(voter, poll.id, [0, 1]), polls.vote(voter, poll.id, [2]))
    assert await PollVote.filter(poll_id=poll.id).count() == 1
    await polls.vote(voter, poll.id, [1])
    assert await polls.counts([poll.id]) == {poll.id: {1: 1}}
    await polls.retract(voter, poll.id)
    assert await PollVote.filter(poll_id=poll.id).count() == 0


async def test_polls_of_private_topics_are_hidden(factory, app_settings):
    from api.errors import NotFound

    author = await factory.user(role="ADMIN")
    topic = await topic_of(author, "PRIVATE")
    poll = await polls.create_poll(
        author, polls.PollInput(question="Q", options=["A", "B"], topic_id=topic.id), settings=app_settings
    )
    member = await factory.user()
    assert not await can_view(member, poll)
    with pytest.raises(NotFound):
        await polls.vote(member, poll.id, [0])
    assert await PollVote.all().count() == 0


async def test_poll_without_changes_and_closing(factory, app_settings):
    author, voter, other = await factory.user(), await factory.user(), await factory.user()
    poll = await polls.create_poll(
        author,
        polls.PollInput(
            question="Yes?",
            options=["Yes", "No"],
            allow_change=False,
            results=PollResults.AFTER_CLOSE,
            closes_at=now() + timedelta(hours=1),
        ),
        settings=app_settings,
    )
    await polls.vote(voter, poll.id, [0])
    with pytest.raises(Conflict):
        await polls.vote(voter, poll.id, [1])
    assert not polls.results_visible(poll)
    with pytest.raises(Forbidden):
        await polls.close(other, poll.id)
    await Poll.filter(id=poll.id).update(closes_at=now() - timedelta(seconds=1))
    with pytest.raises(DomainError) as error:
        await polls.vote(other, poll.id, [1])
    assert error.value.code is ErrorCode.CLOSED
    assert await closing.close_due(app_settings)
    closed = await Poll.get(id=poll.id)
    assert closed.status == PollStatus.CLOSED and polls.results_visible(closed)
    assert await PollVote.filter(poll_id=poll.id).values_list("choices", flat=True) == [[0]]


async def test_poll_validation_and_muted_members(factory, app_settings):
    member = await factory.user()
    with pytest.raises(DomainError) as error:
        await polls.create_poll(member, polls.PollInput(question="", options=["Only"]), settings=app_settings)
    assert {e.field for e in error.value.errors} == {"question", "options"}
    await Sanction.create(user_id=member.id, kind=SanctionKind.MUTE)
    with pytest.raises(Sanctioned):
        await polls.create_poll(member, polls.PollInput(question="Q", options=["A", "B"]), settings=app_settings)
    assert await Poll.all().count() == 0


def _questions():
    return [
        surveys.QuestionInput(QuestionKind.SINGLE, "Role?", ["Dev", "Ops"], required=True),
        surveys.QuestionInput(QuestionKind.MULTIPLE, "Tools?", ["Vim", "Emacs", "IDE"]),
        surveys.QuestionInput(QuestionKind.TEXT, "Anything else?"),
        surveys.QuestionInput(QuestionKind.RATING, "How happy?", required=True),
    ]


async def test_survey_responses_results_and_csv(factory, app_settings):
    staff = await factory.user(role="MODERATOR")
    member = await factory.user()
    with pytest.raises(Forbidden):
        await surveys.create_survey(member, "Census", "", _questions(), settings=app_settings)
    survey = await surveys.create_survey(staff, "Census", "Yearly.", _questions(), settings=app_settings)
    q = {x.position: x.id for x in await survey.questions.all()}
    with pytest.raises(DomainError) as error:
        await surveys.submit_response(member, survey.id, [surveys.AnswerInput(q[4], rating=6)], settings=app_settings)
    assert "Question 1 needs an answer" in str(error.value) and "rate from 1 to 5" in str(error.value)
    assert await SurveyResponse.all().count() == 0

    answers = [
        surveys.AnswerInput(q[1], choices=[0]),
        surveys.AnswerInput(q[2], choices=[0, 2]),
        surveys.AnswerInput(q[3], text="=cmd()"),
        surveys.AnswerInput(q[4], rating=4),
    ]
    await surveys.submit_response(member, survey.id, answers, settings=app_settings)
    answers[3] = surveys.AnswerInput(q[4], rating=5)
    await surveys.submit_response(member, survey.id, answers, settings=app_settings)  # edited, still one
    other = await factory.user()
    await surveys.submit_response(
        other,
        survey.id,
        [surveys.AnswerInput(q[1], choices=[1]), surveys.AnswerInput(q[4], rating=2)],
        settings=app_settings,
    )
    assert await SurveyResponse.filter(survey_id=survey.id).count() == 2

    with pytest.raises(Forbidden):
        await surveys.results(member, survey.id)
    _, count, results = await surveys.results(staff, survey.id)
    assert count == 2
    assert [r.option_counts for r in results[:2]] == [[1, 1], [1, 0, 1]]
    assert results[2].texts == ["=cmd()"]
    assert results[3].rating_counts == [0, 1, 0, 0, 1] and results[3].rating_average == 3.5

    rows = list(csv.reader(io.StringIO(await surveys.export_csv(staff, survey.id))))
    assert rows[0][2:] == ["Q1: Role?", "Q2: Tools?", "Q3: Anything else?", "Q4: How happy?"]
    assert rows[1][0] == member.username and rows[1][2:] == ["Dev", "Vim; IDE", "'=cmd()", "5"]

    await surveys.close_survey(staff, survey.id)
    with pytest.raises(DomainError) as error:
        await surveys.submit_response(member, survey.id, answers, settings=app_settings)
    assert error.value.code is ErrorCode.CLOSED
    assert (await Survey.get(id=survey.id)).status == PollStatus.CLOSED


async def test_survey_validation(factory, app_settings):
    staff = await factory.user(role="ADMIN")
    with pytest.raises(DomainError) as error:
        await surveys.create_survey(
            staff, "", "", [surveys.QuestionInput(QuestionKind.TEXT, "Q", ["x", "y"])], settings=app_settings
        )
    assert {e.field for e in error.value.errors} == {"title", "questions"}
    with pytest.raises(DomainError):
        await surveys.create_survey(staff, "T", "", [], settings=app_settings)
    assert await Survey.all().count() == 0
