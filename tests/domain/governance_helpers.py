"""Shared set-up for the governance tests: a committee with members and proposals."""

from __future__ import annotations

from datetime import timedelta

from api.domain.governance import committees, proposals
from api.models.accounts import CommitteeMembership, CommitteeRole, Visibility
from api.models.governance import Proposal, VotingMethod
from api.timeutil import now


async def committee_with(factory, settings, members: int = 3, *, visibility=Visibility.PUBLIC, name="Board"):
    """(admin, chair, members, committee): the chair and `members` members sit on it."""
    admin = await factory.user(role="ADMIN")
    committee = await committees.create_committee(admin, name, "Decides things.", visibility, settings=settings)
    chair = await factory.user()
    await committees.add_member(admin, committee.id, chair.id, CommitteeRole.CHAIR)
    people = [await factory.user() for _ in range(members)]
    joined = now() - timedelta(days=1)
    await CommitteeMembership.bulk_create(
        [
            CommitteeMembership(committee_id=committee.id, user_id=p.id, role=CommitteeRole.MEMBER, joined_at=joined)
            for p in people
        ]
    )
    return admin, chair, people, committee


async def open_proposal(
    chair, committee, settings, *, method=VotingMethod.YES_NO_ABSTAIN, options=None, **rules
) -> Proposal:
    draft = await proposals.create_proposal(
        chair,
        committee.id,
        proposals.ProposalInput(
            title="Adopt the charter", body="We **should**.", method=method, options=options, **rules
        ),
        settings=settings,
    )
    return await proposals.open_proposal(chair, draft.id, settings=settings)


async def make_overdue(proposal: Proposal) -> None:
    await Proposal.filter(id=proposal.id).update(closes_at=now() - timedelta(seconds=1))
