"""Electorates through GraphQL: a community-wide secret vote on a private committee's proposal,
voters outside a role electorate refused with nothing changed."""

from __future__ import annotations

from api.models.accounts import User
from tests.platform.test_mutations import _snapshot
from tests.schema.test_governance import CAST_VOTE, PROPOSAL, _committee

CREATE = """mutation($input: CreateProposalInput!) { createProposal(input: $input) {
  proposal { id electorate electorateRoles electorateMinTrustLevel } errors { field code } } }"""
OPEN = """mutation($input: OpenProposalInput!) { openProposal(input: $input) {
  proposal { status eligibleCount electorate } errors { field code } } }"""
MY_VIEW = """query($id: ID!) { node(id: $id) { ... on Proposal { title electorate viewerCanVote } } }"""


async def test_a_community_wide_vote_reaches_members_outside_the_committee(gql, factory):
    _, _, chair_token, _, committee_id = await _committee(gql, factory, members=1, visibility="PRIVATE")
    created = (
        await gql(
            CREATE,
            {"input": {"committeeId": committee_id, "title": "New logo", "secret": True, "electorate": "MEMBERS"}},
            token=chair_token,
        )
    )["createProposal"]
    assert created["errors"] == [] and created["proposal"]["electorate"] == "MEMBERS"
    proposal_id = created["proposal"]["id"]
    _outsider, outsider_token = await factory.member_with_token()
    # A draft of a private committee: the outsider does not see it yet.
    assert (await gql(MY_VIEW, {"id": proposal_id}, token=outsider_token))["node"] is None
    opened = (await gql(OPEN, {"input": {"proposalId": proposal_id}}, token=chair_token))["openProposal"]
    assert opened["errors"] == [] and opened["proposal"]["eligibleCount"] == await User.all().count()
    seen = (await gql(MY_VIEW, {"id": proposal_id}, token=outsider_token))["node"]
    assert seen == {"title": "New logo", "electorate": "MEMBERS", "viewerCanVote": True}
    voted = (await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=outsider_token))[
        "castVote"
    ]
    assert voted["errors"] == [] and voted["proposal"]["ballotCount"] == 1
    view = (await gql(PROPOSAL, {"id": proposal_id}, token=chair_token))["node"]
    assert view["ballots"]["nodes"] == [] and all(e["choices"] is None for e in view["auditLog"]["nodes"])


async def test_voters_outside_a_role_electorate_are_refused_and_nothing_changes(gql, factory):
    _, _, chair_token, people, committee_id = await _committee(gql, factory, members=1)
    created = (
        await gql(
            CREATE,
            {
                "input": {
                    "committeeId": committee_id,
                    "title": "Staff rota",
                    "electorate": "ROLES",
                    "electorateRoles": ["MODERATOR"],
                }
            },
            token=chair_token,
        )
    )["createProposal"]
    assert created["proposal"]["electorateRoles"] == ["MODERATOR"]
    proposal_id = created["proposal"]["id"]
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    opened = (await gql(OPEN, {"input": {"proposalId": proposal_id}}, token=chair_token))["openProposal"]
    assert opened["proposal"]["eligibleCount"] == 1
    member_token = people[0][1]
    await gql("{ viewer { user { id } } }", token=member_token)
    before = await _snapshot()
    refused = (await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=member_token))[
        "castVote"
    ]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"] and await _snapshot() == before
    allowed = (await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=mod_token))[
        "castVote"
    ]
    assert allowed["errors"] == []
    bad = (
        await gql(
            CREATE,
            {"input": {"committeeId": committee_id, "title": "x", "electorate": "TRUST_LEVEL"}},
            token=chair_token,
        )
    )["createProposal"]
    assert [e["field"] for e in bad["errors"]] == ["electorateMinTrustLevel"]
