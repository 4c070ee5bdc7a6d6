"""Moderation everywhere: polls, surveys, events and proposals are content types that members
report and moderators hide, restore and delete through the same review queue and log as posts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.domain.engagement import events
from api.domain.governance import ballots, polls, proposals, surveys
from api.domain.moderation import reports
from api.errors import NotFound
from api.models.engagement import Event
from api.models.governance import Poll, Proposal, QuestionKind, Survey
from api.models.moderation import ModerationAction, ModerationLogEntry, ReportReason, ReviewItem
from api.policy import can_view
from api.timeutil import now
from tests.domain.governance_helpers import committee_with


async def _items(factory, settings):
    """(type name, model, id, author) of one item of each kind."""
    _admin, _chair, people, committee = await committee_with(factory, settings, members=1)
    author = people[0]
    poll = await polls.create_poll(
        author, polls.PollInput(question="Pizza or pasta?", options=["Pizza", "Pasta"]), settings=settings
    )
    mod = await factory.user(role="MODERATOR")
    survey = await surveys.create_survey(
        mod, "Census", "", [surveys.QuestionInput(QuestionKind.TEXT, "Why?")], settings=settings
    )
    start = now() + timedelta(days=1)
    event = await events.create_event(
        mod,
        events.EventInput(title="Meetup", starts_at=start, ends_at=start + timedelta(hours=1), location="Hall"),
        settings=settings,
    )
    proposal = await proposals.create_proposal(
        author, committee.id, proposals.ProposalInput(title="Rename us"), settings=settings
    )
    return [
        ("Poll", Poll, poll.id, author),
        ("Survey", Survey, survey.id, mod),
        ("CommunityEvent", Event, event.id, mod),
        ("Proposal", Proposal, proposal.id, author),
    ]


def test_polls_surveys_events_and_proposals_are_reportable():
    assert {"Poll", "Survey", "CommunityEvent", "Proposal"} <= set(reports.reportable_types())


async def test_report_hide_restore_and_delete_each_kind(factory, app_settings):
    moderator = await factory.user(role="MODERATOR")
    items = await _items(factory, app_settings)
    reporter, onlooker = await factory.user(), await factory.user()
    # The reporter must see what they report: make the draft proposal visible to members by opening it.
    for name, model, item_id, author in items:
        if name == "Proposal":
            await Proposal.filter(id=item_id).update(
                status="OPEN", opened_at=now(), closes_at=now() + timedelta(days=1)
            )
        report = await reports.report(reporter, name, item_id, ReportReason.SPAM, settings=app_settings)
        item = await ReviewItem.get(id=report.item_id)
        assert item.subject_type == name and item.subject_author_id == author.id
        await reports.resolve(moderator, item.id, ModerationAction.HIDE_CONTENT, reason="Spam", settings=app_settings)
        row = await model.get(id=item_id)
        assert row.hidden
        assert not await can_view(onlooker, row) and await can_view(author, row) and await can_view(moderator, row)

        restored = await reports.restore_content(moderator, name, item_id, "A mistake", settings=app_settings)
        assert not restored.hidden and await can_view(onlooker, await model.get(id=item_id))

        report = await reports.report(onlooker, name, item_id, ReportReason.ABUSE, settings=app_settings)
        await reports.resolve(
            moderator, report.item_id, ModerationAction.DELETE_CONTENT, reason="Abuse", settings=app_settings
        )
        row = await model.get(id=item_id)
        assert row.deleted_at is not None
        assert not await can_view(author, row) and not await can_view(moderator, row)
        actions = await ModerationLogEntry.filter(subject_type=name, subject_id=item_id).values_list(
            "action", flat=True
        )
        assert len(actions) == 3  # hidden, restored, deleted: the same log as posts


async def test_hidden_and_deleted_items_refuse_their_own_actions(factory, app_settings):
    items = {name: (model, item_id, author) for name, model, item_id, author in await _items(factory, app_settings)}
    member = await factory.user()
    _, poll_id, _ = items["Poll"]
    await Poll.filter(id=poll_id).update(hidden=True)
    with pytest.raises(NotFound):
        await polls.vote(member, poll_id, [0])
    _, survey_id, _ = items["Survey"]
    await Survey.filter(id=survey_id).update(deleted_at=now())
    with pytest.raises(NotFound):
        await surveys.submit_response(member, survey_id, [], settings=app_settings)
    _, event_id, _ = items["CommunityEvent"]
    await Event.filter(id=event_id).update(hidden=True)
    with pytest.raises(NotFound):
        await events.rsvp(member, event_id)
    _, proposal_id, _ = items["Proposal"]
    await Proposal.filter(id=proposal_id).update(deleted_at=now(), status="OPEN", closes_at=now() + timedelta(days=1))
    with pytest.raises(NotFound):
        await ballots.cast_vote(member, proposal_id, ["YES"], settings=app_settings)
