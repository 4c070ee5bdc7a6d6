"""Governance through GraphQL: committees, proposals, secret ballots, refusals, query counts."""

from __future__ import annotations

import asyncio

import pytest

from api.models.accounts import Committee, CommitteeMembership, Sanction, SanctionKind
from api.models.governance import Ballot, Proposal, VoteAuditEntry
from api.timeutil import now
from schema.relay import node_global_id
from tests.platform.test_mutations import _snapshot

CREATE_COMMITTEE = """
mutation($input: CreateCommitteeInput!) {
  createCommittee(input: $input) { committee { id name visibility } errors { field code message } } }"""
ADD_MEMBER = """
mutation($input: AddCommitteeMemberInput!) {
  addCommitteeMember(input: $input) { membership { role user { username } leftAt } errors { field code } } }"""
REMOVE_MEMBER = """
mutation($input: RemoveCommitteeMemberInput!) {
  removeCommitteeMember(input: $input) { membership { leftAt } errors { field code } } }"""
CREATE_PROPOSAL = """
mutation($input: CreateProposalInput!) {
  createProposal(input: $input) { proposal { id status method options } errors { field code message } } }"""
OPEN_PROPOSAL = """
mutation($input: OpenProposalInput!) {
  openProposal(input: $input) { proposal { status eligibleCount closesAt } errors { field code message } } }"""
CLOSE_PROPOSAL = """
mutation($input: ProposalActionInput!) {
  closeProposal(input: $input) { proposal { status outcome } errors { field code message } } }"""
CAST_VOTE = """
mutation($input: CastVoteInput!) {
  castVote(input: $input) { receipt proposal { ballotCount viewerHasVoted } errors { field code message } } }"""
RETRACT_VOTE = """
mutation($input: ProposalActionInput!) { retractVote(input: $input) { proposal { ballotCount } errors { code } } }"""
PROPOSAL = """
query($id: ID!) { node(id: $id) { ... on Proposal {
  status outcome secret ballotCount viewerReceipt viewerChoices viewerCanVote
  tally { final ballots outcome winner counts { option votes } rounds { number eliminated } }
  voters { nodes { user { username } } }
  ballots { totalCount nodes { voter { username } choices } }
  publishedBallots { nodes { receipt choices } }
  auditLog { nodes { action choices voter { username } } }
} } }"""
VERIFY = """
query($p: ID!, $r: String!) { verifyReceipt(proposalId: $p, receipt: $r) { listed choices } }"""
COMMITTEE_PROPOSALS = """
query($id: ID!, $first: Int) { node(id: $id) { ... on Committee {
  name viewerRole members { totalCount nodes { user { username } role } }
  proposals(first: $first) { totalCount nodes {
    title status ballotCount viewerHasVoted viewerCanVote author { username } committee { name }
    tally { ballots counts { option votes } }
  } }
} } }"""


async def _committee(gql, factory, members=2, visibility="PUBLIC"):
    """(admin token, chair, chair token, members [(user, token)], committee global id)."""
    _, admin_token = await factory.member_with_token(role="ADMIN")
    data = await gql(CREATE_COMMITTEE, {"input": {"name": "Board", "visibility": visibility}}, token=admin_token)
    committee_id = data["createCommittee"]["committee"]["id"]
    chair, chair_token = await factory.member_with_token()
    added = await gql(
        ADD_MEMBER,
        {"input": {"committeeId": committee_id, "userId": node_global_id("User", chair.id), "role": "CHAIR"}},
        token=admin_token,
    )
    assert added["addCommitteeMember"]["errors"] == []
    people = []
    for _ in range(members):
        user, token = await factory.member_with_token()
        data = await gql(
            ADD_MEMBER,
            {"input": {"committeeId": committee_id, "userId": node_global_id("User", user.id)}},
            token=chair_token,
        )
        assert data["addCommitteeMember"]["membership"]["role"] == "MEMBER"
        people.append((user, token))
    return admin_token, chair, chair_token, people, committee_id


async def _open(gql, chair_token, committee_id, **fields):
    created = await gql(
        CREATE_PROPOSAL,
        {"input": {"committeeId": committee_id, "title": "Adopt the charter", **fields}},
        token=chair_token,
    )
    assert created["createProposal"]["errors"] == []
    proposal_id = created["createProposal"]["proposal"]["id"]
    opened = await gql(OPEN_PROPOSAL, {"input": {"proposalId": proposal_id}}, token=chair_token)
    assert opened["openProposal"]["errors"] == [] and opened["openProposal"]["proposal"]["status"] == "OPEN"
    return proposal_id


async def test_only_admins_create_committees(gql, factory):
    _, token = await factory.member_with_token()
    for who in (token, None):
        data = await gql(CREATE_COMMITTEE, {"input": {"name": "Board"}}, token=who)
        assert data["createCommittee"]["committee"] is None
        assert data["createCommittee"]["errors"][0]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await Committee.all().count() == 0


async def test_members_cannot_change_membership_and_history_is_kept(gql, factory):
    admin_token, _, chair_token, people, committee_id = await _committee(gql, factory, members=1)
    (member, member_token) = people[0]
    outsider, _ = await factory.member_with_token()
    variables = {"input": {"committeeId": committee_id, "userId": node_global_id("User", outsider.id)}}
    refused = await gql(ADD_MEMBER, variables, token=member_token)
    assert refused["addCommitteeMember"]["errors"][0]["code"] == "FORBIDDEN"
    assert not await CommitteeMembership.filter(user_id=outsider.id).exists()
    removed = await gql(
        REMOVE_MEMBER,
        {"input": {"committeeId": committee_id, "userId": node_global_id("User", member.id)}},
        token=chair_token,
    )
    assert removed["removeCommitteeMember"]["membership"]["leftAt"] is not None
    data = await gql(
        """query($id: ID!) { node(id: $id) { ... on Committee {
        members(includeFormer: true) { totalCount } current: members { totalCount } } } }""",
        {"id": committee_id},
        token=admin_token,
    )
    assert data["node"] == {"members": {"totalCount": 2}, "current": {"totalCount": 1}}


async def test_open_ballot_flow_with_results_after_close(gql, factory):
    _, _chair, chair_token, people, committee_id = await _committee(gql, factory, members=2)
    proposal_id = await _open(gql, chair_token, committee_id, method="SINGLE_CHOICE", options=["Red", "Blue"])
    (alice, alice_token), (bob, bob_token) = people
    for token, choice in ((alice_token, "Red"), (bob_token, "Blue"), (bob_token, "Red")):
        data = await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": choice}}, token=token)
        assert data["castVote"]["errors"] == [] and len(data["castVote"]["receipt"]) == 64
    view = (await gql(PROPOSAL, {"id": proposal_id}, token=alice_token))["node"]
    assert view["tally"] is None and view["ballots"]["totalCount"] == 0  # hidden while open
    assert view["viewerChoices"] == ["Red"] and view["ballotCount"] == 2
    refused = await gql(CLOSE_PROPOSAL, {"input": {"proposalId": proposal_id}}, token=alice_token)
    assert refused["closeProposal"]["errors"][0]["code"] == "FORBIDDEN"
    closed = await gql(CLOSE_PROPOSAL, {"input": {"proposalId": proposal_id}}, token=chair_token)
    assert closed["closeProposal"]["proposal"] == {"status": "CLOSED", "outcome": "PASSED"}
    view = (await gql(PROPOSAL, {"id": proposal_id}))["node"]  # public committee: anyone reads the outcome
    assert view["tally"]["final"] and view["tally"]["winner"] == "Red"
    assert {n["voter"]["username"]: n["choices"] for n in view["ballots"]["nodes"]} == {
        alice.username: ["Red"],
        bob.username: ["Red"],
    }
    assert [n["action"] for n in view["auditLog"]["nodes"]] == ["CAST", "CAST", "CHANGE"]


async def test_secret_ballot_never_shows_what_anyone_voted(gql, factory):
    admin_token, _chair, chair_token, people, committee_id = await _committee(gql, factory, members=2)
    refused = await gql(
        CREATE_PROPOSAL,
        {"input": {"committeeId": committee_id, "title": "Leaky", "secret": True, "resultsWhileOpen": True}},
        token=chair_token,
    )
    assert refused["createProposal"]["errors"][0]["field"] == "resultsWhileOpen"
    assert await Proposal.all().count() == 0
    proposal_id = await _open(gql, chair_token, committee_id, secret=True, quorumPercent=0)
    (_alice, alice_token), (_, bob_token) = people
    receipt = (await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=alice_token))[
        "castVote"
    ]["receipt"]
    await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "NO"}}, token=bob_token)
    for token in (admin_token, alice_token, chair_token):
        view = (await gql(PROPOSAL, {"id": proposal_id}, token=token))["node"]
        assert view["ballots"]["nodes"] == [] and view["viewerChoices"] is None
        assert all(n["choices"] is None for n in view["auditLog"]["nodes"])
        assert view["voters"]["nodes"] == [] and view["ballotCount"] == 2  # how many voted, never who
        assert view["publishedBallots"]["nodes"] == []  # not before close
    assert (await gql(PROPOSAL, {"id": proposal_id}, token=alice_token))["node"]["viewerReceipt"] == receipt
    early = await gql(CLOSE_PROPOSAL, {"input": {"proposalId": proposal_id}}, token=chair_token)
    assert early["closeProposal"]["errors"][0]["code"] == "CONFLICT"  # the chair has not voted yet
    await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "ABSTAIN"}}, token=chair_token)
    await gql(CLOSE_PROPOSAL, {"input": {"proposalId": proposal_id}}, token=chair_token)
    view = (await gql(PROPOSAL, {"id": proposal_id}, token=admin_token))["node"]
    assert view["ballots"]["nodes"] == [] and view["tally"]["counts"][:2] == [
        {"option": "YES", "votes": 1},
        {"option": "NO", "votes": 1},
    ]
    published = view["publishedBallots"]["nodes"]
    assert {"receipt": receipt, "choices": ["YES"]} in published and len(published) == 3
    assert all(set(n) == {"receipt", "choices"} for n in published)
    checked = await gql(VERIFY, {"p": proposal_id, "r": receipt.upper()}, token=alice_token)
    assert checked["verifyReceipt"] == {"listed": True, "choices": ["YES"]}


async def test_vote_refusals_write_nothing(gql, factory):
    _admin_token, _, chair_token, people, committee_id = await _committee(gql, factory, members=2)
    draft = (await gql(CREATE_PROPOSAL, {"input": {"committeeId": committee_id, "title": "Draft"}}, token=chair_token))[
        "createProposal"
    ]["proposal"]["id"]
    (_member, member_token), (muted, muted_token) = people
    on_draft = await gql(CAST_VOTE, {"input": {"proposalId": draft, "choice": "YES"}}, token=member_token)
    assert on_draft["castVote"]["errors"][0]["code"] == "CLOSED"
    proposal_id = await _open(gql, chair_token, committee_id)
    _outsider, outsider_token = await factory.member_with_token()
    refused = await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=outsider_token)
    assert refused["castVote"]["errors"][0]["code"] == "FORBIDDEN" and refused["castVote"]["receipt"] is None
    await Sanction.create(user_id=muted.id, kind=SanctionKind.MUTE, reason="x")
    refused = await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=muted_token)
    assert refused["castVote"]["errors"][0]["code"] == "SANCTIONED"
    both = await gql(
        CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES", "choices": ["YES"]}}, token=member_token
    )
    assert both["castVote"]["errors"][0]["field"] == "choice"
    anonymous = await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}})
    assert anonymous["castVote"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert await Ballot.all().count() == 0 and await VoteAuditEntry.all().count() == 0
    retract = await gql(RETRACT_VOTE, {"input": {"proposalId": proposal_id}}, token=member_token)
    assert retract["retractVote"]["errors"][0]["code"] == "NOT_FOUND"


async def test_private_committee_is_invisible_to_outsiders(gql, factory):
    _, _, chair_token, people, committee_id = await _committee(gql, factory, members=1, visibility="PRIVATE")
    proposal_id = await _open(gql, chair_token, committee_id)
    _, outsider_token = await factory.member_with_token()
    assert (await gql(PROPOSAL, {"id": proposal_id}, token=outsider_token))["node"] is None
    assert (await gql(COMMITTEE_PROPOSALS, {"id": committee_id}, token=outsider_token))["node"] is None
    listed = await gql("{ committees { totalCount } }", token=outsider_token)
    assert listed["committees"]["totalCount"] == 0
    assert (await gql(PROPOSAL, {"id": proposal_id}, token=people[0][1]))["node"]["status"] == "OPEN"


async def test_overdue_proposals_close_on_read(gql, factory):
    _, _, chair_token, people, committee_id = await _committee(gql, factory, members=1)
    proposal_id = await _open(gql, chair_token, committee_id, quorumPercent=0)
    await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=people[0][1])
    await Proposal.all().update(closes_at=now())
    view = (await gql(PROPOSAL, {"id": proposal_id}))["node"]
    assert view["status"] == "CLOSED" and view["outcome"] == "PASSED" and view["tally"]["final"]


async def test_proposal_updated_subscription(gql, factory, app_settings):
    from api.ratelimit import MemoryRateLimiter
    from schema import build_schema
    from schema.context import Context

    _, _, chair_token, people, committee_id = await _committee(gql, factory, members=1)
    member, member_token = people[0]
    ctx = Context(settings=app_settings, limiter=MemoryRateLimiter(), viewer=member)
    stream = await build_schema(app_settings).subscribe(
        "subscription($c: ID!) { proposalUpdated(committeeId: $c) { title status ballotCount } }",
        context_value=ctx,
        variable_values={"c": committee_id},
    )
    pending = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.05)  # let the subscription reach the broker before anything is published
    proposal_id = await _open(gql, chair_token, committee_id)
    first = await asyncio.wait_for(pending, 5)
    assert first.data == {"proposalUpdated": {"title": "Adopt the charter", "status": "OPEN", "ballotCount": 0}}
    await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "NO"}}, token=member_token)
    second = await asyncio.wait_for(anext(stream), 5)
    assert second.data["proposalUpdated"]["ballotCount"] == 1
    await stream.aclose()


async def _count(gql, count_queries, document, variables, token):
    with count_queries as counter:
        data = await gql(document, variables, token=token)
    return counter.count, data


async def test_a_page_of_50_proposals_costs_the_same_as_5(gql, factory, count_queries):
    _, chair, _chair_token, people, committee_id = await _committee(gql, factory, members=2)
    committee = await Committee.get(name="Board")
    rows = [
        Proposal(
            committee_id=committee.id,
            author_id=chair.id,
            title=f"P{i}",
            status="OPEN",
            results_while_open=True,
            opened_at=now(),
            closes_at=now().replace(year=now().year + 1),
            eligible_count=3,
        )
        for i in range(55)
    ]
    await Proposal.bulk_create(rows)
    ids = await Proposal.all().values_list("id", flat=True)
    await Ballot.bulk_create(
        [
            Ballot(proposal_id=i, voter_id=u.id, choices=["YES"], receipt=f"{i:032x}{u.id:032x}")
            for i in ids
            for u, _ in people
        ]
    )
    await gql(COMMITTEE_PROPOSALS, {"id": committee_id, "first": 1}, token=people[0][1])  # signs in (last seen)
    small, data = await _count(gql, count_queries, COMMITTEE_PROPOSALS, {"id": committee_id, "first": 5}, people[0][1])
    large, data = await _count(gql, count_queries, COMMITTEE_PROPOSALS, {"id": committee_id, "first": 50}, people[0][1])
    nodes = data["node"]["proposals"]["nodes"]
    assert len(nodes) == 50 and nodes[0]["ballotCount"] == 2 and nodes[0]["tally"]["ballots"] == 2
    assert nodes[0]["author"]["username"] == chair.username
    assert small == large, (small, large)


UPDATE_PROPOSAL = """
mutation($input: UpdateProposalInput!) { updateProposal(input: $input) { proposal { title } errors { code } } }"""
WITHDRAW = """
mutation($input: ProposalActionInput!) { withdrawProposal(input: $input) { proposal { status } errors { code } } }"""


async def test_proposal_mutations_refuse_those_without_the_right(gql, factory):
    _, chair, chair_token, people, committee_id = await _committee(gql, factory, members=2)
    (_, member_token), (_other, other_token) = people
    _outsider, outsider_token = await factory.member_with_token()
    refused = (
        await gql(CREATE_PROPOSAL, {"input": {"committeeId": committee_id, "title": "Mine"}}, token=outsider_token)
    )["createProposal"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["proposal"] is None
    draft = (
        await gql(CREATE_PROPOSAL, {"input": {"committeeId": committee_id, "title": "Draft"}}, token=member_token)
    )["createProposal"]["proposal"]["id"]
    assert await Proposal.all().count() == 1
    refused = (await gql(UPDATE_PROPOSAL, {"input": {"proposalId": draft, "title": "Hijacked"}}, token=other_token))[
        "updateProposal"
    ]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    for document, name in ((OPEN_PROPOSAL, "openProposal"), (WITHDRAW, "withdrawProposal")):
        refused = (await gql(document, {"input": {"proposalId": draft}}, token=other_token))[name]
        assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["proposal"] is None
    muted_sanction = await Sanction.create(user_id=chair.id, kind=SanctionKind.MUTE)
    refused = (await gql(OPEN_PROPOSAL, {"input": {"proposalId": draft}}, token=chair_token))["openProposal"]
    assert refused["errors"][0]["code"] == "SANCTIONED"
    stored = await Proposal.get(title="Draft")
    assert (stored.status, stored.opened_at) == ("DRAFT", None)
    await muted_sanction.delete()
    removed = await gql(
        REMOVE_MEMBER,
        {"input": {"committeeId": committee_id, "userId": node_global_id("User", chair.id)}},
        token=member_token,
    )
    assert removed["removeCommitteeMember"]["errors"][0]["code"] == "FORBIDDEN"
    assert await CommitteeMembership.filter(left_at__isnull=False).count() == 0


async def test_drafts_are_listed_for_the_committee_only(gql, factory):
    _, _, chair_token, people, committee_id = await _committee(gql, factory, members=1)
    await gql(CREATE_PROPOSAL, {"input": {"committeeId": committee_id, "title": "Draft"}}, token=chair_token)
    await _open(gql, chair_token, committee_id)
    _, outsider_token = await factory.member_with_token()
    for token, expected in ((outsider_token, ["OPEN"]), (None, ["OPEN"]), (people[0][1], ["OPEN", "DRAFT"])):
        data = await gql(COMMITTEE_PROPOSALS, {"id": committee_id}, token=token)
        assert [n["status"] for n in data["node"]["proposals"]["nodes"]] == expected


async def test_a_page_of_50_committees_costs_the_same_as_5(gql, factory, count_queries):
    from api.models.accounts import Visibility

    member, token = await factory.member_with_token()
    await Committee.bulk_create(
        [Committee(name=f"C{i:02d}", visibility=Visibility.PRIVATE if i % 3 else Visibility.PUBLIC) for i in range(160)]
    )
    mine = await Committee.filter(visibility=Visibility.PRIVATE).limit(20)
    await CommitteeMembership.bulk_create(
        [CommitteeMembership(committee_id=c.id, user_id=member.id, joined_at=now()) for c in mine]
    )
    document = "query($first: Int) { committees(first: $first) { totalCount nodes { name viewerRole visibility } } }"
    await gql(document, {"first": 1}, token=token)
    counts = []
    for first in (5, 50):
        with count_queries as counter:
            data = await gql(document, {"first": first}, token=token)
        counts.append(counter.count)
    assert len(data["committees"]["nodes"]) == 50 and data["committees"]["totalCount"] == 54 + 20
    assert counts[0] == counts[1], counts


CAST_RECEIPT = """
mutation($input: CastVoteInput!) { castVote(input: $input) { receipt errors { field code } } }"""


async def test_a_ballot_costs_a_fixed_handful_of_statements(gql, factory, count_queries):
    """Issue 14: a busy vote is round trips. Signed in (token, restrictions read once for the guard
    and the domain), the proposal and the voter's eligibility in one read (with the voting lock on
    PostgreSQL), the ballot, its receipt and its audit entry in one statement on PostgreSQL."""
    from api.db import is_postgres

    _, _chair, chair_token, people, committee_id = await _committee(gql, factory, members=1)
    proposal_id = await _open(gql, chair_token, committee_id)
    (member, token) = people[0]
    await gql(PROPOSAL, {"id": proposal_id}, token=token)  # the member opened the page (seen today)
    counts = []
    for choice in ("YES", "NO"):  # a cast, then a change
        with count_queries:
            data = await gql(CAST_RECEIPT, {"input": {"proposalId": proposal_id, "choice": choice}}, token=token)
        assert data["castVote"]["errors"] == [] and len(data["castVote"]["receipt"]) == 64
        counts.append(count_queries.count)
    # PostgreSQL: token, restrictions, proposal + eligibility + lock, ballot + audit entry.
    # SQLite (no data-modifying CTE): the ballot, then its audit entry, as their own statements.
    limit = 4 if is_postgres() else 6
    assert all(c <= limit for c in counts), (counts, count_queries.statements)
    ballots = await Ballot.filter(voter_id=member.id).values_list("choices", "receipt")
    assert len(ballots) == 1 and ballots[0][0] == ["NO"] and ballots[0][1] == data["castVote"]["receipt"]
    actions = await VoteAuditEntry.filter(voter_id=member.id).order_by("id").values_list("action", flat=True)
    assert actions == ["CAST", "CHANGE"]


DELETE_PROPOSAL = """
mutation($input: ProposalActionInput!) { deleteProposal(input: $input) { proposal { id } errors { field code } } }"""
PROPOSAL_NODE = """query($id: ID!) { node(id: $id) { ... on Proposal { title status } } }"""


async def test_a_draft_is_deleted_by_its_author_or_a_chair_and_by_nobody_else(gql, factory):
    _, _chair, chair_token, people, committee_id = await _committee(gql, factory, members=2)
    (_author, author_token), (_other, other_token) = people
    drafts = [
        (await gql(CREATE_PROPOSAL, {"input": {"committeeId": committee_id, "title": t}}, token=author_token))[
            "createProposal"
        ]["proposal"]["id"]
        for t in ("Mine", "Withdrawn", "Chair's to remove")
    ]
    await gql("{ viewer { user { id } } }", token=other_token)  # the last-seen update happens now
    before = await _snapshot()
    refused = (await gql(DELETE_PROPOSAL, {"input": {"proposalId": drafts[0]}}, token=other_token))["deleteProposal"]
    assert refused["errors"] == [{"field": None, "code": "FORBIDDEN"}]
    assert (await gql(DELETE_PROPOSAL, {"input": {"proposalId": drafts[0]}}))["deleteProposal"]["errors"][0][
        "code"
    ] == "UNAUTHENTICATED"
    assert await _snapshot() == before

    deleted = (await gql(DELETE_PROPOSAL, {"input": {"proposalId": drafts[0]}}, token=author_token))["deleteProposal"]
    assert deleted == {"proposal": None, "errors": []}
    assert await gql(WITHDRAW, {"input": {"proposalId": drafts[1]}}, token=author_token)
    deleted = (await gql(DELETE_PROPOSAL, {"input": {"proposalId": drafts[1]}}, token=author_token))["deleteProposal"]
    assert deleted["errors"] == []  # withdrawn before voting opened: never went to a vote
    deleted = (await gql(DELETE_PROPOSAL, {"input": {"proposalId": drafts[2]}}, token=chair_token))["deleteProposal"]
    assert deleted["errors"] == []
    for token in (author_token, chair_token, other_token):
        assert (await gql(PROPOSAL_NODE, {"id": drafts[0]}, token=token))["node"] is None
        listed = await gql(COMMITTEE_PROPOSALS, {"id": committee_id, "first": 10}, token=token)
        assert listed["node"]["proposals"]["totalCount"] == 0
    again = (await gql(DELETE_PROPOSAL, {"input": {"proposalId": drafts[0]}}, token=author_token))["deleteProposal"]
    assert again["errors"] == [{"field": "proposalId", "code": "NOT_FOUND"}]
    assert await Proposal.filter(deleted_at__isnull=False).count() == 3 and await Proposal.all().count() == 3


async def test_a_proposal_that_went_to_a_vote_stays_on_record(gql, factory):
    _, _, chair_token, _, committee_id = await _committee(gql, factory, members=1)
    still_open = await _open(gql, chair_token, committee_id)
    withdrawn = await _open(gql, chair_token, committee_id)
    assert (await gql(WITHDRAW, {"input": {"proposalId": withdrawn}}, token=chair_token))["withdrawProposal"][
        "errors"
    ] == []
    before = await _snapshot()
    for proposal_id in (still_open, withdrawn):
        refused = (await gql(DELETE_PROPOSAL, {"input": {"proposalId": proposal_id}}, token=chair_token))[
            "deleteProposal"
        ]
        assert refused["errors"] == [{"field": "proposalId", "code": "CONFLICT"}]
    assert await _snapshot() == before


async def test_a_draft_opened_and_deleted_at_the_same_moment_is_one_or_the_other(factory, app_settings, monkeypatch):
    """Each of the two lands between the other's read and its write: the later write must fail."""
    from api.domain.governance import proposals
    from api.errors import Conflict, NotFound

    admin = await factory.user(role="ADMIN")
    committee = await Committee.create(name="Board")
    await CommitteeMembership.create(committee=committee, user=admin, role="CHAIR", joined_at=now())
    read = proposals.get_visible

    def landing_after_the_read(other):
        async def get_visible(viewer, proposal_id, **kwargs):
            proposal = await read(viewer, proposal_id, **kwargs)
            monkeypatch.setattr(proposals, "get_visible", read)
            await other(proposal_id)
            return proposal

        return get_visible

    async def delete(proposal_id):
        await proposals.delete_proposal(admin, proposal_id)

    async def open_(proposal_id):
        await proposals.open_proposal(admin, proposal_id, settings=app_settings)

    draft = await proposals.create_proposal(
        admin, committee.id, proposals.ProposalInput(title="Twice"), settings=app_settings
    )
    monkeypatch.setattr(proposals, "get_visible", landing_after_the_read(delete))
    with pytest.raises(NotFound):  # deleted by the other call meanwhile: gone, not "went to a vote"
        await delete(draft.id)
    for first, then, opened in ((open_, delete, False), (delete, open_, True)):
        draft = await proposals.create_proposal(
            admin, committee.id, proposals.ProposalInput(title="Race"), settings=app_settings
        )
        monkeypatch.setattr(proposals, "get_visible", landing_after_the_read(then))
        with pytest.raises(Conflict):
            await first(draft.id)
        stored = await Proposal.get(id=draft.id)
        assert (stored.status == "OPEN", stored.deleted_at is None) == (opened, opened)
