"""200 eligible members cast, double-submit, change and retract at the same time."""

from __future__ import annotations

import asyncio
import collections
import random

from api.domain.governance import ballots, closing, proposals
from api.domain.governance.tally import TallyResult, tally
from api.models.accounts import CommitteeMembership, CommitteeRole, User
from api.models.governance import AuditAction, Ballot, Proposal, VoteAuditEntry, VotingMethod
from api.timeutil import now
from tests.domain.governance_helpers import committee_with

VOTERS = 200


async def test_concurrent_casts_and_changes_end_as_one_ballot_each(factory, app_settings):
    _, chair, _, committee = await committee_with(factory, app_settings, members=0)
    await User.bulk_create(
        [
            User(
                username=f"v{i}",
                username_key=f"v{i}",
                email=f"v{i}@example.org",
                password_hash="x",
                display_name=f"V{i}",
            )
            for i in range(VOTERS)
        ]
    )
    voters = list(await User.filter(username__startswith="v").order_by("id"))
    await CommitteeMembership.bulk_create(
        [
            CommitteeMembership(committee_id=committee.id, user_id=v.id, role=CommitteeRole.MEMBER, joined_at=now())
            for v in voters
        ]
    )
    draft = await proposals.create_proposal(
        chair,
        committee.id,
        proposals.ProposalInput(
            title="Colour", method=VotingMethod.RANKED_CHOICE, options=["Red", "Green", "Blue"], quorum_percent=50
        ),
        settings=app_settings,
    )
    proposal = await proposals.open_proposal(chair, draft.id, settings=app_settings)
    assert proposal.eligible_count == VOTERS + 1

    rng = random.Random(7)
    options = ["Red", "Green", "Blue"]

    async def vote(voter):
        # Two submits at once (a double click), then a change, both racing every other voter.
        first, second = rng.sample(options, 3), rng.sample(options, 2)
        await asyncio.gather(
            ballots.cast_vote(voter, proposal.id, first, settings=app_settings),
            ballots.cast_vote(voter, proposal.id, first, settings=app_settings),
        )
        await ballots.cast_vote(voter, proposal.id, second, settings=app_settings)

    retracting = voters[:20]
    await asyncio.gather(*[vote(v) for v in voters])
    await asyncio.gather(*[ballots.retract_vote(v, proposal.id, settings=app_settings) for v in retracting])

    rows = await Ballot.filter(proposal_id=proposal.id).values_list("voter_id", "choices")
    voter_ids = [voter_id for voter_id, _ in rows]
    assert len(voter_ids) == len(set(voter_ids)) == VOTERS - len(retracting)
    audit = collections.Counter(await VoteAuditEntry.filter(proposal_id=proposal.id).values_list("action", flat=True))
    # Every voter: one CAST, then the double submit and the change as CHANGEs; 20 retractions.
    assert audit == {AuditAction.CAST: VOTERS, AuditAction.CHANGE: 2 * VOTERS, AuditAction.RETRACT: 20}

    await closing.close_early(chair, proposal.id, settings=app_settings)
    result = TallyResult.from_dict((await Proposal.get(id=proposal.id)).result)
    first_preferences = collections.Counter(choices[0] for _, choices in rows)
    assert result.ballots == VOTERS - 20
    assert result.counts == {o: first_preferences.get(o, 0) for o in options}
    assert result.rounds[0].counts == result.counts
    # The stored tally is the tally of the ballots in the table.
    assert result == tally(proposals.rules_of(proposal), [list(c) for _, c in rows], VOTERS + 1)


async def test_ballots_racing_the_close_are_either_counted_or_refused(factory, app_settings):
    from api.errors import DomainError, ErrorCode

    _, chair, _, committee = await committee_with(factory, app_settings, members=0)
    await User.bulk_create(
        [
            User(
                username=f"r{i}",
                username_key=f"r{i}",
                email=f"r{i}@example.org",
                password_hash="x",
                display_name=f"R{i}",
            )
            for i in range(80)
        ]
    )
    voters = list(await User.filter(username__startswith="r").order_by("id"))
    await CommitteeMembership.bulk_create(
        [
            CommitteeMembership(committee_id=committee.id, user_id=v.id, role=CommitteeRole.MEMBER, joined_at=now())
            for v in voters
        ]
    )
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Race"), settings=app_settings
    )
    proposal = await proposals.open_proposal(chair, draft.id, settings=app_settings)

    async def close_soon():
        await asyncio.sleep(0.02)
        return await closing.close_early(chair, proposal.id, settings=app_settings)

    outcomes = await asyncio.gather(
        *[ballots.cast_vote(v, proposal.id, ["YES"], settings=app_settings) for v in voters],
        close_soon(),
        return_exceptions=True,
    )
    cast = [o for o in outcomes[:-1] if isinstance(o, Ballot)]
    refused = [o for o in outcomes[:-1] if isinstance(o, DomainError)]
    assert len(cast) + len(refused) == len(voters)
    assert all(r.code is ErrorCode.CLOSED for r in refused)
    result = TallyResult.from_dict((await Proposal.get(id=proposal.id)).result)
    assert result.ballots == len(cast) == await Ballot.filter(proposal_id=proposal.id).count()
    assert result.counts["YES"] == len(cast)
