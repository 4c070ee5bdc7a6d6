"""Electorates without GraphQL: a proposal's voters are its committee, the whole membership, given
roles, a trust level or a tier (and those above it), snapshotted at opening (banned and inactive members left out); the
one-ballot and secret-ballot guarantees hold for 200 concurrent voters of a community-wide or tier vote."""

from __future__ import annotations

import asyncio
import collections

import pytest

from api.domain.governance import ballots, closing, proposals
from api.domain.governance.tally import TallyResult
from api.errors import DomainError, Forbidden
from api.models.accounts import Role, Sanction, SanctionKind, User, UserStatus
from api.models.governance import (
    AuditAction,
    Ballot,
    Electorate,
    EligibleVoter,
    Proposal,
    VoteAuditEntry,
)
from api.models.growth import MemberTier, Tier
from tests.domain.governance_helpers import committee_with, make_overdue

VOTERS = 200


async def _draft(chair, committee, settings, **fields):
    return await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Community vote", **fields), settings=settings
    )


async def _tiers(*holders_by_rank: list[User]) -> list[Tier]:
    """Tiers of ranks 1, 2, ...; the i-th list of members holds the i-th tier."""
    tiers = []
    for rank, holders in enumerate(holders_by_rank, start=1):
        tier = await Tier.create(name=f"Tier {rank}", rank=rank, manual_only=True)
        await MemberTier.bulk_create([MemberTier(user_id=u.id, tier_id=tier.id) for u in holders])
        tiers.append(tier)
    return tiers


@pytest.mark.parametrize("kind", [Electorate.MEMBERS, Electorate.TIER])
async def test_a_community_wide_secret_vote_of_200_concurrent_members(factory, app_settings, kind):
    admin, chair, _, committee = await committee_with(factory, app_settings, members=0)
    await User.bulk_create(
        [
            User(
                username=f"cv{i}",
                username_key=f"cv{i}",
                email=f"cv{i}@example.org",
                password_hash="x",
                display_name=f"M{i}",
            )
            for i in range(VOTERS + 2)
        ]
    )
    members = list(await User.filter(username__startswith="cv").order_by("id"))
    banned, gone = members[-2], members[-1]
    voters = members[:VOTERS]
    await Sanction.create(user_id=banned.id, kind=SanctionKind.BAN)
    await User.filter(id=gone.id).update(status=UserStatus.INACTIVE)

    if kind is Electorate.TIER:  # everyone holds the tier but the admin, held by banned and inactive too
        [tier] = await _tiers([chair, *members])
        rule = dict(electorate=kind, electorate_min_tier_id=tier.id)
        electorate = {chair.id, *(v.id for v in voters)}
    else:
        rule = dict(electorate=kind)
        electorate = {admin.id, chair.id, *(v.id for v in voters)}  # nobody sits on the committee but the chair
    draft = await _draft(chair, committee, app_settings, secret=True, quorum_percent=10, **rule)
    proposal = await proposals.open_proposal(chair, draft.id, settings=app_settings)
    assert proposal.eligible_count == len(electorate)
    assert set(await EligibleVoter.filter(proposal_id=proposal.id).values_list("user_id", flat=True)) == electorate

    late = await factory.user()  # joined after opening: not in the snapshot
    with pytest.raises(Forbidden):
        await ballots.cast_vote(late, proposal.id, ["YES"], settings=app_settings)
    with pytest.raises(DomainError):
        await ballots.cast_vote(banned, proposal.id, ["YES"], settings=app_settings)

    async def vote(index, voter):
        choice = ["YES"] if index % 3 else ["NO"]
        await asyncio.gather(
            *[ballots.cast_vote(voter, proposal.id, choice, settings=app_settings) for _ in range(2)]
        )  # a double submit

    await asyncio.gather(*[vote(i, v) for i, v in enumerate(voters)])
    voter_ids = await Ballot.filter(proposal_id=proposal.id).values_list("voter_id", flat=True)
    assert len(voter_ids) == len(set(voter_ids)) == VOTERS
    audit = await VoteAuditEntry.filter(proposal_id=proposal.id).values_list("action", "choices")
    assert collections.Counter(a for a, _ in audit) == {AuditAction.CAST: VOTERS, AuditAction.CHANGE: VOTERS}
    assert all(choices is None for _, choices in audit)  # secret: the audit never holds what was chosen

    with pytest.raises(DomainError):  # a secret ballot closes early only once everyone voted
        await closing.close_early(chair, proposal.id, settings=app_settings)
    await make_overdue(proposal)
    await closing.close_if_due(proposal.id, settings=app_settings)
    result = TallyResult.from_dict((await Proposal.get(id=proposal.id)).result)
    assert result.ballots == VOTERS and result.eligible == len(electorate)
    assert result.counts["NO"] == len([i for i in range(VOTERS) if i % 3 == 0])


async def test_role_and_trust_level_electorates(factory, app_settings):
    admin, chair, people, committee = await committee_with(factory, app_settings, members=2)
    mod = await factory.user(role="MODERATOR")
    trusted, newcomer = await factory.user(), await factory.user()
    await User.filter(id=trusted.id).update(trust_level=3)
    await User.filter(id=chair.id).update(trust_level=2)

    staff_vote = await proposals.open_proposal(
        chair,
        (
            await _draft(
                chair,
                committee,
                app_settings,
                electorate=Electorate.ROLES,
                electorate_roles=[Role.MODERATOR, Role.ADMIN],
            )
        ).id,
        settings=app_settings,
    )
    assert set(await EligibleVoter.filter(proposal_id=staff_vote.id).values_list("user_id", flat=True)) == {
        admin.id,
        mod.id,
    }
    await ballots.cast_vote(mod, staff_vote.id, ["YES"], settings=app_settings)
    with pytest.raises(Forbidden):  # a committee member outside the electorate
        await ballots.cast_vote(people[0], staff_vote.id, ["YES"], settings=app_settings)

    trusted_vote = await proposals.open_proposal(
        chair,
        (
            await _draft(
                chair, committee, app_settings, electorate=Electorate.TRUST_LEVEL, electorate_min_trust_level=2
            )
        ).id,
        settings=app_settings,
    )
    assert set(await EligibleVoter.filter(proposal_id=trusted_vote.id).values_list("user_id", flat=True)) == {
        trusted.id,
        chair.id,
    }
    with pytest.raises(Forbidden):
        await ballots.cast_vote(newcomer, trusted_vote.id, ["YES"], settings=app_settings)

    # The committee stays the default electorate.
    committee_vote = await proposals.open_proposal(
        chair, (await _draft(chair, committee, app_settings)).id, settings=app_settings
    )
    assert committee_vote.electorate == Electorate.COMMITTEE and committee_vote.eligible_count == 3


async def test_a_tier_electorate_counts_higher_tiers_and_is_snapshotted_at_opening(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=2)
    silver, gold, plain = await factory.user(), await factory.user(), await factory.user()
    bronze_tier, silver_tier, _gold_tier = await _tiers([people[0]], [silver], [gold])
    draft = await _draft(
        chair, committee, app_settings, electorate=Electorate.TIER, electorate_min_tier_id=silver_tier.id
    )
    assert draft.electorate_min_tier_id == silver_tier.id
    opened = await proposals.open_proposal(chair, draft.id, settings=app_settings)
    assert opened.eligible_count == 2
    assert set(await EligibleVoter.filter(proposal_id=opened.id).values_list("user_id", flat=True)) == {
        silver.id,
        gold.id,
    }
    # Tiers changing after opening change nothing: the electorate was snapshotted.
    await MemberTier.filter(user_id=people[0].id).update(tier_id=silver_tier.id)
    await MemberTier.create(user_id=plain.id, tier_id=silver_tier.id)
    await MemberTier.filter(user_id=silver.id).update(tier_id=bronze_tier.id)
    with pytest.raises(Forbidden):
        await ballots.cast_vote(plain, opened.id, ["YES"], settings=app_settings)
    await ballots.cast_vote(silver, opened.id, ["YES"], settings=app_settings)
    assert (await Proposal.get(id=opened.id)).eligible_count == 2


async def test_a_tier_electorate_needs_a_tier_that_exists(factory, app_settings):
    _, chair, _, committee = await committee_with(factory, app_settings, members=1)
    with pytest.raises(DomainError) as error:
        await _draft(chair, committee, app_settings, electorate=Electorate.TIER)
    assert error.value.field == "electorateMinTierId"
    with pytest.raises(DomainError) as error:
        await _draft(chair, committee, app_settings, electorate=Electorate.TIER, electorate_min_tier_id=999)
    assert error.value.field == "electorateMinTierId"
    [tier] = await _tiers([chair])
    draft = await _draft(chair, committee, app_settings, electorate=Electorate.TIER, electorate_min_tier_id=tier.id)
    await tier.delete()  # gone before voting opens: nobody can be named
    with pytest.raises(DomainError):
        await proposals.open_proposal(chair, draft.id, settings=app_settings)
    assert (await Proposal.get(id=draft.id)).status == "DRAFT"


async def test_electorates_are_validated_and_frozen_with_the_draft(factory, app_settings):
    _, chair, _, committee = await committee_with(factory, app_settings, members=1)
    with pytest.raises(DomainError) as error:
        await _draft(chair, committee, app_settings, electorate=Electorate.ROLES)
    assert error.value.field == "electorateRoles"
    with pytest.raises(DomainError):
        await _draft(chair, committee, app_settings, electorate=Electorate.TRUST_LEVEL, electorate_min_trust_level=7)
    draft = await _draft(chair, committee, app_settings)
    changed = await proposals.update_proposal(
        chair, draft.id, proposals.ProposalInput(electorate=Electorate.MEMBERS), settings=app_settings
    )
    assert changed.electorate == Electorate.MEMBERS
    await proposals.open_proposal(chair, draft.id, settings=app_settings)
    with pytest.raises(DomainError):  # frozen once open
        await proposals.update_proposal(
            chair, draft.id, proposals.ProposalInput(electorate=Electorate.COMMITTEE), settings=app_settings
        )
