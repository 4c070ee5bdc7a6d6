"""Committees, proposals and ballots without GraphQL: rules, refusals, closing, receipts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.domain.governance import ballots, closing, committees, proposals
from api.domain.governance.tally import TallyResult
from api.errors import Conflict, DomainError, ErrorCode, Forbidden, NotFound, Sanctioned
from api.models.accounts import CommitteeMembership, CommitteeRole, Sanction, SanctionKind, Visibility
from api.models.governance import (
    AppendOnly,
    AuditAction,
    Ballot,
    EligibleVoter,
    Outcome,
    Proposal,
    ProposalStatus,
    VoteAuditEntry,
    VotingMethod,
)
from api.models.moderation import Announcement
from api.models.notifications import Notification
from api.timeutil import now
from tests.domain.governance_helpers import committee_with, make_overdue, open_proposal


async def test_committee_membership_keeps_history(factory, app_settings):
    admin, chair, people, committee = await committee_with(factory, app_settings, members=1)
    member = people[0]
    with pytest.raises(Forbidden):
        await committees.add_member(member, committee.id, member.id, CommitteeRole.CHAIR)
    promoted = await committees.add_member(chair, committee.id, member.id, CommitteeRole.CHAIR)
    with pytest.raises(Conflict):
        await committees.add_member(admin, committee.id, member.id, CommitteeRole.CHAIR)
    await committees.remove_member(admin, committee.id, member.id)
    stints = await CommitteeMembership.filter(committee_id=committee.id, user_id=member.id).order_by("id")
    assert [(s.role, s.left_at is not None) for s in stints] == [
        (CommitteeRole.MEMBER, True),
        (CommitteeRole.CHAIR, True),
    ]
    assert stints[1].id == promoted.id
    with pytest.raises(NotFound):
        await committees.remove_member(admin, committee.id, member.id)


async def test_only_admins_create_committees_with_unique_names(factory, app_settings):
    member = await factory.user()
    with pytest.raises(Forbidden):
        await committees.create_committee(member, "Council", "", Visibility.PUBLIC, settings=app_settings)
    admin = await factory.user(role="ADMIN")
    await committees.create_committee(admin, "Council", "", Visibility.PUBLIC, settings=app_settings)
    with pytest.raises(Conflict):
        await committees.create_committee(admin, " Council ", "", Visibility.PUBLIC, settings=app_settings)
    with pytest.raises(DomainError) as error:
        await committees.create_committee(
            admin, "", "x" * (app_settings.max_body_length + 1), Visibility.PUBLIC, settings=app_settings
        )
    assert {e.field for e in error.value.errors} == {"name", "description"}


async def test_drafts_are_editable_until_opened_and_the_rules_freeze(factory, app_settings):
    admin, chair, people, committee = await committee_with(factory, app_settings, members=2)
    draft = await proposals.create_proposal(
        people[0],
        committee.id,
        proposals.ProposalInput(title="Pick a venue", method=VotingMethod.SINGLE_CHOICE, options=["Hall", "Park"]),
        settings=app_settings,
    )
    with pytest.raises(DomainError) as error:
        await proposals.update_proposal(
            people[0],
            draft.id,
            proposals.ProposalInput(title=" ", options=["Hall", "hall"], quorum_percent=101),
            settings=app_settings,
        )
    assert {e.field for e in error.value.errors} == {"title", "options", "quorumPercent"}
    updated = await proposals.update_proposal(
        people[0],
        draft.id,
        proposals.ProposalInput(options=["Hall", "Park", "Beach"], quorum_percent=0),
        settings=app_settings,
    )
    assert updated.options == ["Hall", "Park", "Beach"]
    with pytest.raises(Forbidden):  # a member who is neither author nor chair
        await proposals.open_proposal(people[1], draft.id, settings=app_settings)
    with pytest.raises(Forbidden):  # an admin who does not chair the committee
        await proposals.open_proposal(admin, draft.id, settings=app_settings)
    opened = await proposals.open_proposal(chair, draft.id, settings=app_settings)
    assert opened.status == ProposalStatus.OPEN and opened.eligible_count == 3
    notified = await Notification.filter(kind="governance.proposal_opened").values_list("user_id", flat=True)
    assert sorted(notified) == sorted(p.id for p in people)  # every voter but the chair who opened it
    with pytest.raises(Conflict) as locked:
        await proposals.update_proposal(
            people[0], draft.id, proposals.ProposalInput(quorum_percent=90), settings=app_settings
        )
    assert locked.value.code is ErrorCode.LOCKED
    assert (await Proposal.get(id=draft.id)).quorum_percent == 0


async def test_cast_change_retract_with_audit_and_one_ballot(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=2)
    proposal = await open_proposal(chair, committee, settings=app_settings)
    voter = people[0]
    first = await ballots.cast_vote(voter, proposal.id, ["yes"], settings=app_settings)
    second = await ballots.cast_vote(voter, proposal.id, ["NO"], settings=app_settings)
    assert first.id == second.id and second.choices == ["NO"] and first.receipt != second.receipt
    assert await Ballot.filter(proposal_id=proposal.id).count() == 1
    await ballots.retract_vote(voter, proposal.id, settings=app_settings)
    assert await Ballot.filter(proposal_id=proposal.id).count() == 0
    with pytest.raises(NotFound):
        await ballots.retract_vote(voter, proposal.id, settings=app_settings)
    audit = await VoteAuditEntry.filter(proposal_id=proposal.id).order_by("id")
    assert [(a.action, a.choices) for a in audit] == [
        (AuditAction.CAST, ["YES"]),
        (AuditAction.CHANGE, ["NO"]),
        (AuditAction.RETRACT, None),
    ]


async def test_audit_log_cannot_be_edited_or_deleted(factory, app_settings):
    from tortoise.exceptions import OperationalError, TransactionManagementError

    from api.db import execute

    _, chair, people, committee = await committee_with(factory, app_settings, members=1)
    proposal = await open_proposal(chair, committee, settings=app_settings)
    await ballots.cast_vote(people[0], proposal.id, ["YES"], settings=app_settings)
    entry = await VoteAuditEntry.get(proposal_id=proposal.id)
    entry.action = AuditAction.RETRACT
    with pytest.raises(AppendOnly):
        await entry.save()
    with pytest.raises(AppendOnly):
        await entry.delete()
    with pytest.raises(AppendOnly):
        await VoteAuditEntry.filter(id=entry.id).update(action=AuditAction.RETRACT)
    with pytest.raises(AppendOnly):
        await VoteAuditEntry.filter(id=entry.id).delete()
    # Behind the ORM's back, the database refuses too.
    with pytest.raises((OperationalError, TransactionManagementError, Exception)) as raw:
        await execute("UPDATE governance_vote_audit SET action = 'RETRACT' WHERE id = ?", [entry.id])
    assert "append-only" in str(raw.value)
    assert (await VoteAuditEntry.get(id=entry.id)).action == AuditAction.CAST


async def _nothing_written(proposal_id: int) -> None:
    assert await Ballot.filter(proposal_id=proposal_id).count() == 0
    assert await VoteAuditEntry.filter(proposal_id=proposal_id).count() == 0


async def test_refusals_write_nothing(factory, app_settings):
    admin, chair, people, committee = await committee_with(factory, app_settings, members=2)
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Draft"), settings=app_settings
    )
    with pytest.raises(DomainError) as error:
        await ballots.cast_vote(people[0], draft.id, ["YES"], settings=app_settings)
    assert error.value.code is ErrorCode.CLOSED and "draft" in error.value.message
    await _nothing_written(draft.id)

    proposal = await open_proposal(chair, committee, settings=app_settings)
    outsider = await factory.user()
    with pytest.raises(Forbidden) as error:
        await ballots.cast_vote(outsider, proposal.id, ["YES"], settings=app_settings)
    assert "when voting opened" in error.value.message
    with pytest.raises(Forbidden):  # admins have no vote unless they sat on the committee
        await ballots.cast_vote(admin, proposal.id, ["YES"], settings=app_settings)

    latecomer = await factory.user()
    await committees.add_member(chair, committee.id, latecomer.id, CommitteeRole.MEMBER)
    with pytest.raises(Forbidden) as error:
        await ballots.cast_vote(latecomer, proposal.id, ["YES"], settings=app_settings)
    assert "joined the committee after voting opened" in error.value.message

    muted = people[1]
    await Sanction.create(user_id=muted.id, kind=SanctionKind.MUTE, reason="spam")
    with pytest.raises(Sanctioned):
        await ballots.cast_vote(muted, proposal.id, ["YES"], settings=app_settings)
    with pytest.raises(DomainError) as error:
        await ballots.cast_vote(people[0], proposal.id, ["MAYBE"], settings=app_settings)
    assert error.value.field == "choice"
    await _nothing_written(proposal.id)

    await closing.close_early(chair, proposal.id, settings=app_settings)
    with pytest.raises(DomainError) as error:
        await ballots.cast_vote(people[0], proposal.id, ["YES"], settings=app_settings)
    assert error.value.code is ErrorCode.CLOSED and "closed" in error.value.message
    await _nothing_written(proposal.id)


async def test_voting_after_closes_at_is_refused_and_closes_it(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=2)
    proposal = await open_proposal(chair, committee, settings=app_settings, quorum_percent=0)
    await ballots.cast_vote(people[0], proposal.id, ["YES"], settings=app_settings)
    await make_overdue(proposal)
    with pytest.raises(DomainError) as error:
        await ballots.cast_vote(people[1], proposal.id, ["NO"], settings=app_settings)
    assert error.value.code is ErrorCode.CLOSED
    closed = await Proposal.get(id=proposal.id)
    assert closed.status == ProposalStatus.CLOSED and closed.outcome == Outcome.PASSED
    assert await Ballot.filter(proposal_id=proposal.id).count() == 1


async def test_private_committee_proposals_are_hidden_from_outsiders(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, visibility=Visibility.PRIVATE)
    proposal = await open_proposal(chair, committee, settings=app_settings)
    with pytest.raises(NotFound):
        await ballots.cast_vote(await factory.user(), proposal.id, ["YES"], settings=app_settings)
    assert (await proposals.get_visible(people[0], proposal.id)).id == proposal.id


async def test_members_who_left_after_opening_keep_their_vote(factory, app_settings):
    admin, chair, people, committee = await committee_with(
        factory, app_settings, members=1, visibility=Visibility.PRIVATE
    )
    proposal = await open_proposal(chair, committee, settings=app_settings)
    await committees.remove_member(admin, committee.id, people[0].id)
    await ballots.cast_vote(people[0], proposal.id, ["YES"], settings=app_settings)
    assert await EligibleVoter.filter(proposal_id=proposal.id).count() == 2


async def test_secret_ballot_receipts_verify_against_the_published_list(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=3)
    proposal = await open_proposal(chair, committee, settings=app_settings, secret=True, quorum_percent=0)
    receipts = {}
    for person, choice in zip(people, ["YES", "NO", "YES"], strict=True):
        receipts[person.id] = (await ballots.cast_vote(person, proposal.id, [choice], settings=app_settings)).receipt
    audit = await VoteAuditEntry.filter(proposal_id=proposal.id)
    assert all(a.choices is None for a in audit)  # secret: the log keeps who, not what
    with pytest.raises(DomainError):  # the list is published only after close
        await ballots.verify_receipt(people[0], proposal.id, receipts[people[0].id])
    with pytest.raises(Conflict):  # not everyone voted: a secret ballot waits for its deadline
        await closing.close_early(chair, proposal.id, settings=app_settings)
    await make_overdue(proposal)
    assert await closing.close_if_due(proposal.id, settings=app_settings)
    assert await ballots.verify_receipt(people[1], proposal.id, receipts[people[1].id]) == ["NO"]
    assert await ballots.verify_receipt(people[1], proposal.id, "0" * 64) is None
    assert len(set(receipts.values())) == 3


async def test_closing_races_close_once_and_publish_once(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=3)
    proposal = await open_proposal(chair, committee, settings=app_settings)
    for person in people[:2]:
        await ballots.cast_vote(person, proposal.id, ["YES"], settings=app_settings)
    await make_overdue(proposal)
    results = await asyncio.gather(
        *[closing.close_if_due(proposal.id, settings=app_settings) for _ in range(4)],
        closing.close_due(app_settings),
        closing.close_due(app_settings),
    )
    assert sum(1 for r in results[:4] if r) + sum(1 for r in results[4:] if r) >= 1
    assert sum(1 for r in results[:4] if r) <= 1
    closed = await Proposal.get(id=proposal.id)
    assert closed.status == ProposalStatus.CLOSED and closed.outcome == Outcome.PASSED
    assert TallyResult.from_dict(closed.result).counts == {"YES": 2, "NO": 0, "ABSTAIN": 0}
    announcements = await Announcement.all()
    assert len(announcements) == 1 and announcements[0].id == closed.announcement_id
    assert announcements[0].audience == "ALL" and "passed" in announcements[0].title
    await closing.close_due(app_settings)
    assert await Announcement.all().count() == 1


async def test_private_committee_outcome_goes_to_the_committee(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=2, visibility=Visibility.MEMBERS)
    proposal = await open_proposal(chair, committee, settings=app_settings, quorum_percent=100)
    await ballots.cast_vote(people[0], proposal.id, ["YES"], settings=app_settings)
    closed = await closing.close_early(chair, proposal.id, settings=app_settings)
    assert closed.outcome == Outcome.NO_QUORUM
    announcement = await Announcement.get(id=closed.announcement_id)
    assert (announcement.audience, announcement.committee_id) == ("COMMITTEE", committee.id)


async def test_withdrawn_proposals_are_never_tallied(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=1)
    proposal = await open_proposal(chair, committee, settings=app_settings)
    await ballots.cast_vote(people[0], proposal.id, ["YES"], settings=app_settings)
    with pytest.raises(Forbidden):
        await proposals.withdraw_proposal(people[0], proposal.id)
    await proposals.withdraw_proposal(chair, proposal.id)
    await make_overdue(proposal)
    assert not await closing.close_if_due(proposal.id, settings=app_settings)
    withdrawn = await Proposal.get(id=proposal.id)
    assert withdrawn.status == ProposalStatus.WITHDRAWN and withdrawn.result is None
    with pytest.raises(Conflict):
        await closing.close_early(chair, proposal.id, settings=app_settings)


async def test_open_needs_a_future_close_within_the_limit(factory, app_settings):
    _, chair, _, committee = await committee_with(factory, app_settings, members=1)
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="T"), settings=app_settings
    )
    with pytest.raises(DomainError) as error:
        await proposals.open_proposal(chair, draft.id, settings=app_settings, closes_at=now() - timedelta(minutes=1))
    assert error.value.field == "closesAt"
    with pytest.raises(DomainError):
        await proposals.open_proposal(chair, draft.id, settings=app_settings, closes_at=now() + timedelta(days=400))
    assert (await Proposal.get(id=draft.id)).status == ProposalStatus.DRAFT
    assert await EligibleVoter.filter(proposal_id=draft.id).count() == 0


async def test_oversized_text_is_refused(factory, app_settings):
    _, chair, _, committee = await committee_with(factory, app_settings, members=1)
    too_long = "x" * (app_settings.max_title_length + 1)
    with pytest.raises(DomainError) as error:
        await proposals.create_proposal(
            chair,
            committee.id,
            proposals.ProposalInput(
                title=too_long,
                body="y" * (app_settings.max_body_length + 1),
                method=VotingMethod.APPROVAL,
                options=["A", "z" * (app_settings.governance_max_option_length + 1)],
            ),
            settings=app_settings,
        )
    assert {e.field for e in error.value.errors} == {"title", "body", "options"}
    assert await Proposal.all().count() == 0
