"""Anonymous surveys without GraphQL: who answered is kept apart from what was answered, one
response per member still holds (concurrently too), and results and the CSV name nobody."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from api.db import fetch_all
from api.domain.governance import surveys
from api.errors import Conflict, DomainError, ErrorCode
from api.models.governance import (
    AnonymousSurveyResponse,
    QuestionKind,
    SurveyParticipant,
    SurveyResponse,
)


def _questions():
    return [
        surveys.QuestionInput(QuestionKind.SINGLE, "Role?", ["Dev", "Ops"], required=True),
        surveys.QuestionInput(QuestionKind.TEXT, "Anything else?"),
    ]


async def test_anonymous_answers_name_nobody_and_one_response_per_member(factory, app_settings):
    staff = await factory.user(role="MODERATOR")
    alice, bob = await factory.user(username="alice"), await factory.user(username="bob")
    survey = await surveys.create_survey(
        staff, "Honest feedback", "", _questions(), anonymous=True, settings=app_settings
    )
    q = {x.position: x.id for x in await survey.questions.all()}
    assert (
        await surveys.submit_response(
            alice,
            survey.id,
            [surveys.AnswerInput(q[1], choices=[0]), surveys.AnswerInput(q[2], text="More tea")],
            settings=app_settings,
        )
        is None
    )
    await surveys.submit_response(bob, survey.id, [surveys.AnswerInput(q[1], choices=[1])], settings=app_settings)
    with pytest.raises(Conflict):  # one response per member, and it is final
        await surveys.submit_response(alice, survey.id, [surveys.AnswerInput(q[1], choices=[1])], settings=app_settings)

    # Nothing stored with the answers names a member: no respondent, no time, a random id.
    assert await SurveyResponse.filter(survey_id=survey.id).count() == 0
    rows = await fetch_all("SELECT * FROM governance_survey_anonymous_responses", [])
    assert len(rows) == 2 and set(rows[0]) == {"id", "survey_id", "answers"}
    assert not any(str(alice.id) == str(v) or str(bob.id) == str(v) for r in rows for v in (r["id"],))
    participants = await fetch_all("SELECT * FROM governance_survey_participants", [])
    assert set(participants[0]) == {"id", "survey_id", "user_id"}  # who answered, not what nor when
    assert await surveys.has_responded(alice.id, survey.id) and await surveys.respondent_ids(survey.id) == sorted(
        [alice.id, bob.id]
    )

    _, count, results = await surveys.results(staff, survey.id)
    assert count == 2 and results[0].option_counts == [1, 1] and results[1].texts == ["More tea"]
    table = list(csv.reader(io.StringIO(await surveys.export_csv(staff, survey.id))))
    assert table[0] == ["Q1: Role?", "Q2: Anything else?"]  # no respondent nor time column
    assert sorted(table[1:]) == [["Dev", "More tea"], ["Ops", ""]]
    text = "\n".join(",".join(r) for r in table)
    assert "alice" not in text and "bob" not in text

    # A muted member is refused before anything is written; closing ends responses.
    await surveys.close_survey(staff, survey.id)
    carol = await factory.user()
    with pytest.raises(DomainError) as error:
        await surveys.submit_response(carol, survey.id, [surveys.AnswerInput(q[1], choices=[0])], settings=app_settings)
    assert error.value.code is ErrorCode.CLOSED
    assert await SurveyParticipant.filter(survey_id=survey.id).count() == 2
    assert await AnonymousSurveyResponse.filter(survey_id=survey.id).count() == 2


async def test_concurrent_anonymous_responses_of_one_member_store_one(factory, app_settings):
    staff, member = await factory.user(role="MODERATOR"), await factory.user()
    survey = await surveys.create_survey(staff, "Race", "", _questions(), anonymous=True, settings=app_settings)
    q = {x.position: x.id for x in await survey.questions.all()}
    outcomes = await asyncio.gather(
        *[
            surveys.submit_response(
                member, survey.id, [surveys.AnswerInput(q[1], choices=[i % 2])], settings=app_settings
            )
            for i in range(6)
        ],
        return_exceptions=True,
    )
    assert sum(1 for o in outcomes if o is None) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if o is not None)
    assert await AnonymousSurveyResponse.filter(survey_id=survey.id).count() == 1
    assert await SurveyParticipant.filter(survey_id=survey.id).count() == 1


async def test_targeted_surveys_reach_only_their_audience(factory, app_settings):
    from api.errors import NotFound
    from api.models.accounts import Role
    from api.models.governance import Survey, SurveyAudience
    from api.policy import can_view, visible
    from tests.domain.governance_helpers import committee_with

    _admin, _chair, people, committee = await committee_with(factory, app_settings, members=1)
    staff, outsider = await factory.user(role="MODERATOR"), await factory.user()
    trusted = await factory.user(trust_level=3)
    board = await surveys.create_survey(
        staff,
        "Board only",
        "",
        _questions(),
        settings=app_settings,
        audience=surveys.AudienceInput(SurveyAudience.COMMITTEE, committee_id=committee.id),
    )
    mods = await surveys.create_survey(
        staff,
        "Staff only",
        "",
        _questions(),
        settings=app_settings,
        audience=surveys.AudienceInput(SurveyAudience.ROLES, roles=[Role.MODERATOR]),
    )
    regulars = await surveys.create_survey(
        staff,
        "Regulars",
        "",
        _questions(),
        settings=app_settings,
        anonymous=True,
        audience=surveys.AudienceInput(SurveyAudience.TRUST_LEVEL, min_trust_level=3),
    )
    everyone = await surveys.create_survey(staff, "Everyone", "", _questions(), settings=app_settings)
    for bad in (
        surveys.AudienceInput(SurveyAudience.COMMITTEE),
        surveys.AudienceInput(SurveyAudience.ROLES),
        surveys.AudienceInput(SurveyAudience.TRUST_LEVEL, min_trust_level=9),
    ):
        with pytest.raises(DomainError):
            await surveys.create_survey(staff, "x", "", _questions(), settings=app_settings, audience=bad)

    async def titles(viewer):
        return sorted(await (await visible(Survey, viewer, {})).values_list("title", flat=True))

    assert await titles(None) == await titles(outsider) == ["Everyone"]
    assert await titles(people[0]) == ["Board only", "Everyone"]
    assert await titles(trusted) == ["Everyone", "Regulars"]
    assert await titles(staff) == ["Board only", "Everyone", "Regulars", "Staff only"]
    for viewer in (None, outsider, people[0], trusted, staff):  # row filter and scope agree
        rows = [board, mods, regulars, everyone]
        assert sorted([s.title for s in rows if await can_view(viewer, s)]) == await titles(viewer)
    q = {x.position: x.id for x in await board.questions.all()}
    with pytest.raises(NotFound):  # outside the audience: as if it did not exist
        await surveys.submit_response(
            outsider, board.id, [surveys.AnswerInput(q[1], choices=[0])], settings=app_settings
        )
    await surveys.submit_response(people[0], board.id, [surveys.AnswerInput(q[1], choices=[0])], settings=app_settings)
