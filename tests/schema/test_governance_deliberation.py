"""Deliberation through GraphQL: a discussion thread, revisions of a draft, the outcome statement
published once by a chair (members refused, nothing changed), and the cost of a page of proposals
with their revisions and discussions."""

from __future__ import annotations

from strawberry.relay import GlobalID

from api.domain.governance import ballots, closing, deliberation, proposals
from api.models.governance import Proposal, ProposalRevision
from tests.domain.forum_helpers import make_space
from tests.domain.governance_helpers import committee_with, make_overdue
from tests.platform.test_mutations import _snapshot

START = """mutation($input: StartProposalDiscussionInput!) { startProposalDiscussion(input: $input) {
  proposal { discussion { title } } errors { field code } } }"""
PUBLISH = """mutation($input: PublishProposalOutcomeInput!) { publishProposalOutcome(input: $input) {
  proposal { outcome outcomeStatement outcomeStatementHtml outcomePublishedAt } errors { field code } } }"""
UPDATE = """mutation($input: UpdateProposalInput!) { updateProposal(input: $input) {
  proposal { title revisions { number title body editedBy { username } } } errors { code } } }"""
PROPOSALS = """query($id: ID!, $first: Int) { node(id: $id) { ... on Committee { proposals(first: $first) {
  nodes { title outcomeStatement discussion { title } revisions { number title editedBy { username } } } } } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def test_discussion_revisions_and_outcome(gql, factory, app_settings):
    admin, chair, people, committee = await committee_with(factory, app_settings, members=1)
    chair_token, member_token = await factory.token(chair), await factory.token(people[0])
    space = await make_space(admin, "Governance")
    draft = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Logo", body="Blue"), settings=app_settings
    )
    started = await gql(
        START,
        {"input": {"proposalId": gid("Proposal", draft.id), "spaceId": gid("Space", space.id)}},
        token=chair_token,
    )
    assert started["startProposalDiscussion"] == {
        "proposal": {"discussion": {"title": "Discussion: Logo"}},
        "errors": [],
    }
    updated = (
        await gql(UPDATE, {"input": {"proposalId": gid("Proposal", draft.id), "body": "Green"}}, token=chair_token)
    )["updateProposal"]
    assert updated["proposal"]["revisions"] == [
        {"number": 1, "title": "Logo", "body": "Blue", "editedBy": {"username": chair.username}}
    ]

    await proposals.open_proposal(chair, draft.id, settings=app_settings)
    await ballots.cast_vote(chair, draft.id, ["YES"], settings=app_settings)
    await make_overdue(await Proposal.get(id=draft.id))
    await closing.close_if_due(draft.id, settings=app_settings)
    statement = {"proposalId": gid("Proposal", draft.id), "statement": "Green it is."}
    await gql("{ viewer { user { id } } }", token=member_token)
    before = await _snapshot()
    refused = (await gql(PUBLISH, {"input": statement}, token=member_token))["publishProposalOutcome"]
    assert refused == {"proposal": None, "errors": [{"field": None, "code": "FORBIDDEN"}]}
    assert await _snapshot() == before
    published = (await gql(PUBLISH, {"input": statement}, token=chair_token))["publishProposalOutcome"]
    assert published["errors"] == [] and published["proposal"]["outcomeStatement"] == "Green it is."
    assert published["proposal"]["outcomePublishedAt"]
    again = (await gql(PUBLISH, {"input": statement}, token=chair_token))["publishProposalOutcome"]
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]


async def test_a_page_of_50_proposals_with_revisions_costs_the_same_as_5(gql, factory, app_settings, count_queries):
    admin, chair, _, committee = await committee_with(factory, app_settings, members=0)
    space = await make_space(admin, "Governance")
    token = await factory.token(chair)
    await Proposal.bulk_create(
        [Proposal(committee_id=committee.id, author_id=chair.id, title=f"P{i}") for i in range(55)]
    )
    ids = await Proposal.all().values_list("id", flat=True)
    await ProposalRevision.bulk_create(
        [
            ProposalRevision(proposal_id=i, number=n, title=f"old {n}", edited_by_id=chair.id)
            for i in ids
            for n in (1, 2)
        ]
    )
    for proposal_id in ids[:10]:  # 5 in the small page, 10 in the large one
        await deliberation.start_discussion(chair, proposal_id, space.id, settings=app_settings)
    variables = {"id": gid("Committee", committee.id)}
    await gql(PROPOSALS, {**variables, "first": 1}, token=token)
    counts = []
    for first in (5, 50):
        with count_queries as counter:
            data = await gql(PROPOSALS, {**variables, "first": first}, token=token)
        counts.append(counter.count)
    nodes = data["node"]["proposals"]["nodes"]
    assert len(nodes) == 50 and all(len(n["revisions"]) == 2 for n in nodes)
    assert sum(1 for n in nodes if n["discussion"]) == 10
    assert counts[0] == counts[1], counts
