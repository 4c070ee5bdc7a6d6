"""Deliberation and outcomes without GraphQL: a discussion thread in the forum (forum rules and the
content gate), revisions of a draft, the chair's outcome statement announced with the tally once,
and one reminder to those who have not voted, whatever the number of processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.domain.forum import posts
from api.domain.governance import ballots, closing, deliberation, proposals
from api.errors import Conflict, DomainError, Forbidden
from api.models.forum import Topic
from api.models.governance import Electorate, Proposal, ProposalRevision
from api.models.moderation import Announcement
from api.models.notifications import Notification
from api.timeutil import now
from tests.domain.forum_helpers import make_space
from tests.domain.governance_helpers import committee_with, make_overdue


async def test_discussion_thread_goes_through_the_forum(factory, app_settings):
    admin, chair, people, committee = await committee_with(factory, app_settings, members=1)
    space = await make_space(admin, "Governance")
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="New logo"), settings=app_settings
    )
    with pytest.raises(Forbidden):
        await deliberation.start_discussion(people[0], draft.id, space.id, settings=app_settings)
    proposal = await deliberation.start_discussion(chair, draft.id, space.id, settings=app_settings)
    topic = await Topic.get(id=proposal.discussion_topic_id)
    assert topic.title == "Discussion: New logo" and topic.space_id == space.id
    with pytest.raises(Conflict):
        await deliberation.start_discussion(chair, draft.id, space.id, settings=app_settings)
    member = await factory.user()
    reply = await posts.create_post(
        member, posts.PostInput(topic_id=topic.id, body="I like the blue one."), settings=app_settings
    )
    assert reply.topic_id == topic.id


async def test_revisions_keep_each_replaced_text_of_a_draft(factory, app_settings):
    _, chair, _, committee = await committee_with(factory, app_settings, members=1)
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Budget", body="Spend 100."), settings=app_settings
    )
    await proposals.update_proposal(chair, draft.id, proposals.ProposalInput(body="Spend 80."), settings=app_settings)
    await proposals.update_proposal(chair, draft.id, proposals.ProposalInput(quorum_percent=40), settings=app_settings)
    await proposals.update_proposal(
        chair, draft.id, proposals.ProposalInput(title="Budget 2027"), settings=app_settings
    )
    revisions = await ProposalRevision.filter(proposal_id=draft.id).order_by("number")
    assert [(r.number, r.title, r.body) for r in revisions] == [(1, "Budget", "Spend 100."), (2, "Budget", "Spend 80.")]
    assert all(r.edited_by_id == chair.id for r in revisions)
    current = await Proposal.get(id=draft.id)
    assert (current.title, current.body) == ("Budget 2027", "Spend 80.")


async def test_outcome_statement_is_announced_with_the_tally_once(factory, app_settings):
    _admin, chair, people, committee = await committee_with(factory, app_settings, members=2)
    draft = await proposals.create_proposal(
        chair,
        committee.id,
        proposals.ProposalInput(title="Meet monthly", electorate=Electorate.MEMBERS),
        settings=app_settings,
    )
    proposal = await proposals.open_proposal(chair, draft.id, settings=app_settings)
    with pytest.raises(Conflict):  # not before close
        await deliberation.publish_outcome(chair, proposal.id, "We will meet monthly.", settings=app_settings)
    for voter in (chair, *people):
        await ballots.cast_vote(voter, proposal.id, ["YES"], settings=app_settings)
    await make_overdue(proposal)
    await closing.close_if_due(proposal.id, settings=app_settings)
    with pytest.raises(Forbidden):
        await deliberation.publish_outcome(people[0], proposal.id, "Mine.", settings=app_settings)
    with pytest.raises(DomainError):
        await deliberation.publish_outcome(chair, proposal.id, "   ", settings=app_settings)
    published = await deliberation.publish_outcome(
        chair, proposal.id, "We will meet **monthly**.", settings=app_settings
    )
    assert published.outcome_published_at is not None and "<strong>monthly</strong>" in published.outcome_statement_html
    announcement = await Announcement.get(id=published.outcome_announcement_id)
    assert announcement.title == "Outcome: Meet monthly" and announcement.audience == "ALL"
    assert "We will meet **monthly**." in announcement.body and "Ballots: 3 of" in announcement.body
    with pytest.raises(Conflict):
        await deliberation.publish_outcome(chair, proposal.id, "Again.", settings=app_settings)


async def test_members_who_have_not_voted_are_reminded_once(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=3)
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Soon"), settings=app_settings
    )
    proposal = await proposals.open_proposal(
        chair, draft.id, settings=app_settings, closes_at=now() + timedelta(hours=2)
    )
    later = await proposals.open_proposal(
        chair,
        (
            await proposals.create_proposal(
                chair, committee.id, proposals.ProposalInput(title="Later"), settings=app_settings
            )
        ).id,
        settings=app_settings,
        closes_at=now() + timedelta(days=5),
    )
    await ballots.cast_vote(people[0], proposal.id, ["NO"], settings=app_settings)
    results = await asyncio.gather(*[deliberation.remind_voters(app_settings) for _ in range(4)])
    assert sum(1 for r in results if r) >= 1
    reminded = await Notification.filter(kind="governance.vote_reminder").values_list("user_id", "subject_id")
    assert sorted(reminded) == sorted((u.id, proposal.id) for u in (chair, people[1], people[2]))
    assert later.id not in {s for _, s in reminded}
    assert not await deliberation.remind_voters(app_settings)
    assert not await deliberation.remind_voters(app_settings.replace(governance_vote_reminder_hours=0))
