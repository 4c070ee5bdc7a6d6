"""Announcements, their mail and surveys addressed to a saved segment (issue 17): the members
the segment's criteria match (asked of the growth domain), nobody else; staff only."""

from __future__ import annotations

import pytest

from api.domain.governance import surveys
from api.domain.growth import segments
from api.domain.mail import worker
from api.domain.moderation import announcements as ann
from api.errors import Forbidden, Invalid, NotFound
from api.events import decide
from api.models.governance import QuestionKind, Survey, SurveyAudience
from api.models.moderation import Announcement
from api.policy import can_view, visible


async def _listed(viewer) -> list[int]:
    return [a.id for a in await (await ann.visible_announcements(viewer))]


async def _hikers(factory, settings):
    staff = await factory.user("staff", role="MODERATOR", email="staff@example.org")
    hiker = await factory.user("hiker", interest_tags=["hiking"], email="hiker@example.org")
    other = await factory.user("other", interest_tags=["chess"], email="other@example.org")
    segment = await segments.save_segment(
        staff, None, "Hikers", "", segments.Criteria(interest_tags=["hiking"]), settings=settings
    )
    return staff, hiker, other, segment


async def test_the_growth_domain_answers_segment_questions(factory, app_settings):
    from api.domain.moderation.questions import SegmentMemberIds, SegmentsContaining

    _staff, hiker, other, segment = await _hikers(factory, app_settings)
    assert await decide(SegmentMemberIds(segment_id=segment.id), app_settings) == [hiker.id]
    assert await decide(SegmentMemberIds(segment_id=segment.id + 99), app_settings) is None
    assert await decide(SegmentsContaining(user_id=hiker.id, segment_ids=(segment.id,)), app_settings) == [segment.id]
    assert await decide(SegmentsContaining(user_id=other.id, segment_ids=(segment.id,)), app_settings) == []


async def test_a_segment_announcement_reaches_and_is_mailed_to_the_segment_only(mail_settings, smtp, factory):
    staff, hiker, other, segment = await _hikers(factory, mail_settings)
    note = await ann.announce(
        staff,
        title="Trail day",
        body="Boots on.",
        audience="SEGMENT",
        segment_id=segment.id,
        mail=True,
        settings=mail_settings,
    )
    assert note.audience_segment_id == segment.id
    assert await _listed(hiker) == [note.id]
    assert await _listed(other) == []
    assert await _listed(None) == []
    with pytest.raises(NotFound):
        await ann.mark_read(other, note.id)
    await ann.mark_read(hiker, note.id)
    assert await ann.unread_count(hiker) == 0
    # The read policy (node, lists, subscriptions) agrees.
    for viewer, seen in ((hiker, True), (other, False), (None, False), (staff, True)):
        assert await can_view(viewer, note) is seen
        assert (await (await visible(Announcement, viewer, {})).filter(id=note.id).exists()) is seen
    await worker.drain(mail_settings)
    assert [m["To"] for m in smtp.messages] == ["hiker@example.org"]
    # Membership is read from the criteria at the time: a new hiker sees it too.
    late = await factory.user("late", interest_tags=["Hiking"])
    assert await _listed(late) == [note.id]


async def test_a_segment_audience_is_staff_only_and_must_exist(factory, app_settings):
    staff, hiker, _other, segment = await _hikers(factory, app_settings)
    with pytest.raises(Forbidden):
        await ann.announce(
            hiker, title="Mine", body="x", audience="SEGMENT", segment_id=segment.id, settings=app_settings
        )
    with pytest.raises(NotFound):
        await ann.announce(
            staff, title="Lost", body="x", audience="SEGMENT", segment_id=segment.id + 99, settings=app_settings
        )
    with pytest.raises(Invalid):  # no segment named
        await ann.announce(staff, title="Vague", body="x", audience="SEGMENT", settings=app_settings)
    assert await Announcement.all().count() == 0
    # A deleted segment addresses nobody.
    note = await ann.announce(
        staff, title="Soon gone", body="x", audience="SEGMENT", segment_id=segment.id, settings=app_settings
    )
    await segments.delete_segment(staff, segment.id)
    assert not await can_view(hiker, note) and await can_view(staff, note)


async def test_a_segment_survey_is_seen_and_answered_by_the_segment_only(factory, app_settings):
    staff, hiker, other, segment = await _hikers(factory, app_settings)
    questions = [surveys.QuestionInput(QuestionKind.TEXT, "Where next?")]
    with pytest.raises(Forbidden):
        await surveys.create_survey(
            hiker,
            "Mine",
            "",
            questions,
            settings=app_settings,
            audience=surveys.AudienceInput(SurveyAudience.SEGMENT, segment_id=segment.id),
        )
    with pytest.raises(NotFound):
        await surveys.create_survey(
            staff,
            "Lost",
            "",
            questions,
            settings=app_settings,
            audience=surveys.AudienceInput(SurveyAudience.SEGMENT, segment_id=segment.id + 99),
        )
    assert await Survey.all().count() == 0
    survey = await surveys.create_survey(
        staff,
        "Trails",
        "",
        questions,
        settings=app_settings,
        audience=surveys.AudienceInput(SurveyAudience.SEGMENT, segment_id=segment.id),
    )
    for viewer, seen in ((hiker, True), (other, False), (None, False), (staff, True)):
        assert await can_view(viewer, survey) is seen
        assert (await (await visible(Survey, viewer, {})).filter(id=survey.id).exists()) is seen
    question = await survey.questions.all().first()
    assert question is not None
    answer = [surveys.AnswerInput(question.id, text="The ridge")]
    with pytest.raises(NotFound):
        await surveys.submit_response(other, survey.id, answer, settings=app_settings)
    await surveys.submit_response(hiker, survey.id, answer, settings=app_settings)
    assert await surveys.has_responded(hiker.id, survey.id)
    assert not await surveys.has_responded(other.id, survey.id)


async def test_a_digest_lists_a_segment_announcement_to_the_segment_only(mail_settings, smtp, factory):
    from datetime import timedelta

    from api.domain.mail.digest import send_digests
    from api.domain.mail.preferences import PreferencesInput, set_preferences
    from api.models.mail import Digest
    from api.timeutil import now

    staff, hiker, other, segment = await _hikers(factory, mail_settings)
    await set_preferences(staff, PreferencesInput(digest=Digest.NONE), settings=mail_settings)
    for member in (hiker, other):
        await set_preferences(member, PreferencesInput(digest=Digest.DAILY, timezone="UTC"), settings=mail_settings)
    await ann.announce(
        staff, title="Trail day", body="Boots on.", audience="SEGMENT", segment_id=segment.id, settings=mail_settings
    )
    await send_digests(mail_settings.replace(digest_hour=0), moment=now() + timedelta(minutes=1))
    await worker.drain(mail_settings)
    texts = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp.messages}
    assert "Trail day" in texts["hiker@example.org"]
    assert "Trail day" not in texts.get("other@example.org", "")
