"""Tier audiences through GraphQL: a TIER event is seen (node, list, sign-up, meeting link) only by
members holding its tier or a higher-ranked one, others refused with nothing changed, and a page of 50
events still costs the same queries as 5; a TIER electorate votes, others are refused with nothing
changed; an unknown tier is refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta

from api.models.engagement import Event, EventVisibility, Rsvp, RsvpStatus
from api.models.growth import MemberTier, Tier
from api.timeutil import now
from tests.platform.test_mutations import _snapshot
from tests.schema.test_engagement_event_access import CREATE, EVENTS, NODE, RSVP, gid
from tests.schema.test_governance import CAST_VOTE, _committee

CREATE_PROPOSAL = """mutation($input: CreateProposalInput!) { createProposal(input: $input) {
  proposal { id electorate electorateMinTierId } errors { field code } } }"""
OPEN = """mutation($input: OpenProposalInput!) { openProposal(input: $input) {
  proposal { status eligibleCount } errors { field code } } }"""
EVENT_NODE = """query($id: ID!) { node(id: $id) { ... on CommunityEvent { title url visibility minTierId } } }"""


async def _tier(rank: int, *holders) -> Tier:
    tier = await Tier.create(name=f"Tier {rank}", rank=rank, manual_only=True)
    await MemberTier.bulk_create([MemberTier(user_id=u.id, tier_id=tier.id) for u in holders])
    return tier


async def test_a_tier_event_stays_with_the_tier_and_those_above(gql, factory):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    bronze, bronze_token = await factory.member_with_token()
    gold, gold_token = await factory.member_with_token()
    await _tier(1, bronze)
    silver = await _tier(2)
    await _tier(3, gold)
    start = now() + timedelta(days=1)
    event_input = {
        "title": "Silver salon",
        "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(hours=1)).isoformat(),
        "online": True,
        "url": "https://meet.example.org/salon",
        "visibility": "TIER",
    }
    await gql("{ viewer { user { id } } }", token=mod_token)
    before = await _snapshot()
    for extra, field in (({}, "minTierId"), ({"minTierId": gid("Tier", 9999)}, "minTierId")):
        refused = (await gql(CREATE, {"input": {"event": {**event_input, **extra}}}, token=mod_token))[
            "createCommunityEvent"
        ]
        assert refused["event"] is None and [e["field"] for e in refused["errors"]] == [field]
    assert await _snapshot() == before
    created = (
        await gql(CREATE, {"input": {"event": {**event_input, "minTierId": gid("Tier", silver.id)}}}, token=mod_token)
    )["createCommunityEvent"]
    assert created["errors"] == [] and created["event"]["visibility"] == "TIER"
    event = await Event.get(title="Silver salon")
    event_id = gid("CommunityEvent", event.id)

    for token in (None, bronze_token):
        assert (await gql(EVENTS, {"first": 5}, token=token))["communityEvents"]["totalCount"] == 0
        assert (await gql(NODE, {"id": event_id}, token=token))["node"] is None
    await gql("{ viewer { user { id } } }", token=bronze_token)
    before = await _snapshot()
    refused = (await gql(RSVP, {"input": {"eventId": event_id}}, token=bronze_token))["rsvpEvent"]
    assert refused["errors"] == [{"code": "NOT_FOUND"}] and await _snapshot() == before

    seen = (await gql(EVENT_NODE, {"id": event_id}, token=gold_token))["node"]
    assert seen == {"title": "Silver salon", "url": None, "visibility": "TIER", "minTierId": gid("Tier", silver.id)}
    signed = (await gql(RSVP, {"input": {"eventId": event_id}}, token=gold_token))["rsvpEvent"]
    assert signed == {"rsvp": {"status": "GOING"}, "errors": []}
    assert (await gql(NODE, {"id": event_id}, token=gold_token))["node"]["url"] == "https://meet.example.org/salon"


async def test_a_page_of_50_events_with_tier_events_costs_the_same_as_5(gql, factory, count_queries):
    mod = await factory.user(role="MODERATOR")
    member, token = await factory.member_with_token()
    low, high = await _tier(1, member), await _tier(2)
    start = now() + timedelta(days=1)
    await Event.bulk_create(
        [
            Event(
                title=f"E{i}",
                starts_at=start + timedelta(minutes=i),
                online=True,
                url=f"https://meet.example.org/{i}",
                ends_at=start + timedelta(hours=2),
                check_in_code=f"C{i}",
                organiser_id=mod.id,
                visibility=EventVisibility.TIER if i % 2 else EventVisibility.PUBLIC,
                min_tier_id=None if i % 2 == 0 else (low.id if i % 4 == 1 else high.id),
            )
            for i in range(120)
        ]
    )
    ids = await Event.all().order_by("starts_at").values_list("id", flat=True)
    await Rsvp.bulk_create(
        [Rsvp(event_id=i, user_id=member.id, status=RsvpStatus.GOING, queued_at=now()) for i in ids[::4]]
    )
    await gql(EVENTS, {"first": 1}, token=token)
    counts = []
    for first in (5, 50):
        with count_queries as counter:
            data = await gql(EVENTS, {"first": first}, token=token)
        counts.append(counter.count)
    nodes = data["communityEvents"]["nodes"]
    assert len(nodes) == 50 and {n["visibility"] for n in nodes} == {"PUBLIC", "TIER"}
    assert data["communityEvents"]["totalCount"] == 90  # the high tier's 30 events are out of view
    assert counts[0] == counts[1], counts


async def test_a_tier_electorate_through_graphql(gql, factory):
    _, chair, chair_token, people, committee_id = await _committee(gql, factory, members=1)
    holder, holder_token = await factory.member_with_token()
    tier = await _tier(1, holder, chair)
    await gql("{ viewer { user { id } } }", token=chair_token)
    before = await _snapshot()
    bad = (
        await gql(
            CREATE_PROPOSAL,
            {
                "input": {
                    "committeeId": committee_id,
                    "title": "x",
                    "electorate": "TIER",
                    "electorateMinTierId": gid("Tier", 9999),
                }
            },
            token=chair_token,
        )
    )["createProposal"]
    assert bad["proposal"] is None and [e["field"] for e in bad["errors"]] == ["electorateMinTierId"]
    assert await _snapshot() == before
    created = (
        await gql(
            CREATE_PROPOSAL,
            {
                "input": {
                    "committeeId": committee_id,
                    "title": "Members' lounge",
                    "electorate": "TIER",
                    "electorateMinTierId": gid("Tier", tier.id),
                }
            },
            token=chair_token,
        )
    )["createProposal"]
    assert created["errors"] == [] and created["proposal"]["electorateMinTierId"] == gid("Tier", tier.id)
    proposal_id = created["proposal"]["id"]
    opened = (await gql(OPEN, {"input": {"proposalId": proposal_id}}, token=chair_token))["openProposal"]
    assert opened == {"proposal": {"status": "OPEN", "eligibleCount": 2}, "errors": []}
    member_token = people[0][1]  # on the committee, without the tier
    await gql("{ viewer { user { id } } }", token=member_token)
    before = await _snapshot()
    refused = (await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=member_token))[
        "castVote"
    ]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"] and await _snapshot() == before
    voted = (await gql(CAST_VOTE, {"input": {"proposalId": proposal_id, "choice": "YES"}}, token=holder_token))[
        "castVote"
    ]
    assert voted["errors"] == []
