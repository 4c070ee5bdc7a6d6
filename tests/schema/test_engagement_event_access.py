"""Events through GraphQL: the meeting link is null for anonymous visitors and members without a
place; committee events are invisible to others (node, list, sign-up refused with nothing
changed); a page of 50 events costs the same queries as 5, meeting links included."""

from __future__ import annotations

from datetime import timedelta

from strawberry.relay import GlobalID

from api.domain.engagement import events
from api.models.engagement import Event, EventVisibility, Rsvp, RsvpStatus
from api.timeutil import now
from tests.domain.governance_helpers import committee_with
from tests.platform.test_mutations import _snapshot

EVENTS = """query($first: Int) { communityEvents(first: $first) { totalCount nodes {
  title visibility url committeeId viewerRsvp { status } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on CommunityEvent { title url } } }"""
RSVP = """mutation($input: EventRefInput!) { rsvpEvent(input: $input) { rsvp { status } errors { code } } }"""
CREATE = """mutation($input: CreateCommunityEventInput!) { createCommunityEvent(input: $input) {
  event { visibility committeeId } errors { field code } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def test_the_meeting_link_shows_only_to_members_with_a_place(gql, factory, app_settings):
    mod, mod_token = await factory.member_with_token(role="MODERATOR")
    start = now() + timedelta(days=1)
    event = await events.create_event(
        mod,
        events.EventInput(
            title="Online call",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            online=True,
            url="https://meet.example.org/secret-room",
        ),
        settings=app_settings,
    )
    _member, token = await factory.member_with_token()
    for who in (None, token):
        node = (await gql(NODE, {"id": gid("CommunityEvent", event.id)}, token=who))["node"]
        assert node == {"title": "Online call", "url": None}
    assert (await gql(RSVP, {"input": {"eventId": gid("CommunityEvent", event.id)}}, token=token))["rsvpEvent"]["rsvp"][
        "status"
    ] == "GOING"
    node = (await gql(NODE, {"id": gid("CommunityEvent", event.id)}, token=token))["node"]
    assert node["url"] == "https://meet.example.org/secret-room"
    assert (await gql(NODE, {"id": gid("CommunityEvent", event.id)}, token=mod_token))["node"]["url"]


async def test_committee_events_stay_with_the_committee(gql, factory, app_settings):
    _admin, chair, _, committee = await committee_with(factory, app_settings, members=0)
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    start = now() + timedelta(days=1)
    created = (
        await gql(
            CREATE,
            {
                "input": {
                    "event": {
                        "title": "Board meeting",
                        "startsAt": start.isoformat(),
                        "endsAt": (start + timedelta(hours=1)).isoformat(),
                        "location": "Room 1",
                        "visibility": "COMMITTEE",
                        "committeeId": gid("Committee", committee.id),
                    }
                }
            },
            token=mod_token,
        )
    )["createCommunityEvent"]
    assert created["errors"] == [] and created["event"]["visibility"] == "COMMITTEE"
    event = await Event.get(title="Board meeting")
    _, outsider_token = await factory.member_with_token()
    assert (await gql(EVENTS, {"first": 5}, token=outsider_token))["communityEvents"]["totalCount"] == 0
    assert (await gql(NODE, {"id": gid("CommunityEvent", event.id)}, token=outsider_token))["node"] is None
    await gql("{ viewer { user { id } } }", token=outsider_token)
    before = await _snapshot()
    refused = (await gql(RSVP, {"input": {"eventId": gid("CommunityEvent", event.id)}}, token=outsider_token))[
        "rsvpEvent"
    ]
    assert refused["errors"] == [{"code": "NOT_FOUND"}] and await _snapshot() == before
    chair_token = await factory.token(chair)
    assert (await gql(EVENTS, {"first": 5}, token=chair_token))["communityEvents"]["totalCount"] == 1


async def test_a_page_of_50_events_costs_the_same_as_5(gql, factory, app_settings, count_queries):
    mod = await factory.user(role="MODERATOR")
    member, token = await factory.member_with_token()
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
                visibility=EventVisibility.MEMBERS if i % 2 else EventVisibility.PUBLIC,
            )
            for i in range(55)
        ]
    )
    ids = await Event.all().order_by("starts_at").values_list("id", flat=True)
    await Rsvp.bulk_create(
        [Rsvp(event_id=i, user_id=member.id, status=RsvpStatus.GOING, queued_at=now()) for i in ids[::3]]
    )
    await gql(EVENTS, {"first": 1}, token=token)
    counts = []
    for first in (5, 50):
        with count_queries as counter:
            data = await gql(EVENTS, {"first": first}, token=token)
        counts.append(counter.count)
    nodes = data["communityEvents"]["nodes"]
    assert len(nodes) == 50 and sum(1 for n in nodes if n["url"]) == len(ids[:50:3])
    assert counts[0] == counts[1], counts


async def test_a_recurring_event_through_graphql(gql, factory):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    start = now() + timedelta(days=1)
    created = (
        await gql(
            """mutation($input: CreateCommunityEventInput!) { createCommunityEvent(input: $input) {
      event { id recurrence seriesId } errors { field code } } }""",
            {
                "input": {
                    "event": {
                        "title": "Study group",
                        "startsAt": start.isoformat(),
                        "endsAt": (start + timedelta(hours=1)).isoformat(),
                        "location": "Library",
                        "recurrence": "FREQ=WEEKLY;COUNT=3",
                    }
                }
            },
            token=mod_token,
        )
    )["createCommunityEvent"]
    assert created["errors"] == [] and created["event"]["seriesId"] == created["event"]["id"]
    listed = (await gql("""{ communityEvents { nodes { seriesId recurrence } } }"""))["communityEvents"]["nodes"]
    assert listed == [{"seriesId": created["event"]["id"], "recurrence": "FREQ=WEEKLY;COUNT=3"}] * 3
    bad = (
        await gql(
            """mutation($input: CreateCommunityEventInput!) { createCommunityEvent(input: $input) {
      event { id } errors { field code } } }""",
            {
                "input": {
                    "event": {
                        "title": "Forever",
                        "startsAt": start.isoformat(),
                        "endsAt": (start + timedelta(hours=1)).isoformat(),
                        "location": "Library",
                        "recurrence": "FREQ=DAILY",
                    }
                }
            },
            token=mod_token,
        )
    )["createCommunityEvent"]
    assert bad == {"event": None, "errors": [{"field": "recurrence", "code": "INVALID"}]}


async def test_members_below_the_trust_level_cannot_propose_events(gql, factory, app_settings):
    _, token = await factory.member_with_token()
    await gql("{ viewer { user { id } } }", token=token)
    start = now() + timedelta(days=1)
    event = {
        "title": "My party",
        "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(hours=1)).isoformat(),
        "location": "Home",
    }
    before = await _snapshot()
    refused = (await gql(CREATE, {"input": {"event": event}}, token=token))["createCommunityEvent"]
    assert refused == {"event": None, "errors": [{"field": None, "code": "FORBIDDEN"}]}
    assert await _snapshot() == before
    _trusted, trusted_token = await factory.member_with_token(trust_level=app_settings.event_propose_min_trust_level)
    proposed = (
        await gql(
            """mutation($input: CreateCommunityEventInput!) { createCommunityEvent(input: $input) {
      event { held } errors { code } } }""",
            {"input": {"event": event}},
            token=trusted_token,
        )
    )["createCommunityEvent"]
    assert proposed == {"event": {"held": True}, "errors": []}
    assert (await gql(EVENTS, {"first": 5}))["communityEvents"]["totalCount"] == 0  # not before approval
