"""Events, lotteries, messages, feedback and analytics through GraphQL: refusals with nothing
changed, visibility, query counts of the main lists, and the `messageAdded` subscription."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from strawberry.relay import GlobalID

from api.domain.engagement import events, feedback, lotteries, messages
from api.models.accounts import Sanction, SanctionKind
from api.models.engagement import EligibleSet, FeedbackCategory
from api.timeutil import now
from schema.permissions import Require
from tests.platform.test_mutations import _mutations, _requirement, _snapshot, _Unfillable, sample_value

EVENTS = """query($first: Int) { communityEvents(first: $first) { totalCount nodes {
  title capacity goingCount waitlistCount attendedCount checkInCode organiser { username }
  viewerRsvp { status } } } }"""
RSVP = """mutation($input: EventRefInput!) { rsvpEvent(input: $input) { rsvp { status } errors { code } } }"""
INBOX = """query($first: Int) { inbox { unreadCount conversations(first: $first) { totalCount nodes {
  isGroup unreadCount members { username } lastMessage { body sender { username } } } } } }"""
START = """mutation($input: StartConversationInput!) { startConversation(input: $input) {
  conversation { id } message { body } errors { field code } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id body } errors { field code } } }"""
BLOCK = """mutation($input: BlockMemberInput!) { blockMember(input: $input) { blocked errors { code } } }"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""
TICKETS = """query($first: Int) { feedbackTickets(first: $first) { totalCount nodes { subject status
  author { username } assignee { username } firstResponseSeconds replies(first: 5) { nodes { body author { username } } } } } }"""
LOTTERY = """query { lotteries { nodes { status commitment entrantsHash seed eligibleUserIds verified
  winners { rank prize user { username } } } } }"""
STATS = """query($from: Date!, $to: Date!) { communityStats(from: $from, to: $to, interval: WEEK) {
  buckets { start newMembers activeMembers } weeklyActive } }"""
INACTIVE = """{ inactiveMembers(days: 30) { totalCount } }"""
SUBSCRIBE = """subscription { messageAdded { body sender { username } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


def _member_mutations() -> list[tuple[str, Require]]:
    engagement = {
        "dailyCheckIn",
        "selectTitle",
        "redeemReward",
        "updateCommunityEvent",
        "cancelCommunityEvent",
        "deleteCommunityEvent",
        "rsvpEvent",
        "cancelRsvp",
        "checkInToEvent",
        "checkInAttendee",
        "startConversation",
        "sendMessage",
        "markConversationRead",
        "leaveConversation",
        "blockMember",
        "unblockMember",
        "setAutoReply",
        "fileFeedback",
        "replyToFeedback",
        "enterLottery",
        "createCommunityEvent",
    }
    return [(n, _requirement(f)) for n, f in _mutations().items() if n in engagement]


def test_the_member_mutations_are_all_found():
    assert len(_member_mutations()) == 21


@pytest.mark.parametrize(("name", "require"), _member_mutations(), ids=[n for n, _ in _member_mutations()])
async def test_member_mutations_refuse_anonymous_and_muted_members_and_change_nothing(gql, factory, name, require):
    field = _mutations()[name]
    try:
        variables = {"input": sample_value(field.args["input"].type)}
    except _Unfillable as exc:  # pragma: no cover - every input here has samples
        pytest.fail(f"{name}: no sample for {exc}")
    document = (
        f"mutation($input: {field.args['input'].type}) "
        f"{{ {name}(input: $input) {{ errors {{ field code message }} }} }}"
    )
    muted, token = await factory.member_with_token()
    await Sanction.create(user=muted, kind=SanctionKind.MUTE, reason="test")
    await gql("{ viewer { user { id } } }", token=token)
    before = await _snapshot()
    anonymous = (await gql(document, variables))[name]["errors"]
    assert [e["code"] for e in anonymous] == ["UNAUTHENTICATED"]
    if require is Require.MEMBER:
        refused = (await gql(document, variables, token=token))[name]["errors"]
        assert [e["code"] for e in refused] == ["SANCTIONED"]
    assert await _snapshot() == before


async def _events_cost(gql, count_queries, token, first: int) -> int:
    await gql("{ viewer { user { id } } }", token=token)  # the last-seen update happens now
    with count_queries:
        data = await gql(EVENTS, {"first": first}, token=token)
    assert len(data["communityEvents"]["nodes"]) == first
    return count_queries.count


async def test_an_events_page_costs_the_same_whatever_its_size(gql, factory, app_settings, count_queries):
    mod, mod_token = await factory.member_with_token(role="MODERATOR")
    member, token = await factory.member_with_token()
    start = now() + timedelta(days=3)
    for n in range(50):
        event = await events.create_event(
            mod,
            events.EventInput(
                title=f"Event {n}",
                starts_at=start + timedelta(hours=n),
                ends_at=start + timedelta(hours=n + 1),
                location="Hall",
                capacity=1,
            ),
            settings=app_settings,
        )
        if n % 3 == 0:
            await events.rsvp(member, event.id)
    assert await _events_cost(gql, count_queries, token, 5) == await _events_cost(gql, count_queries, token, 50)
    data = await gql(EVENTS, {"first": 2}, token=token)
    first = data["communityEvents"]["nodes"][0]
    assert (first["goingCount"], first["viewerRsvp"], first["checkInCode"]) == (1, {"status": "GOING"}, None)
    assert (await gql(EVENTS, {"first": 1}, token=mod_token))["communityEvents"]["nodes"][0]["checkInCode"]
    second = (
        await gql(
            RSVP,
            {"input": {"eventId": gid("CommunityEvent", event.id - 49)}},
            token=(await factory.member_with_token())[1],
        )
    )["rsvpEvent"]
    assert second == {"rsvp": {"status": "WAITLISTED"}, "errors": []}


async def _inbox_cost(gql, count_queries, token, first: int) -> int:
    await gql("{ viewer { user { id } } }", token=token)  # the last-seen update happens now
    with count_queries:
        data = await gql(INBOX, {"first": first}, token=token)
    assert len(data["inbox"]["conversations"]["nodes"]) == first
    return count_queries.count


async def test_an_inbox_page_costs_the_same_whatever_its_size(gql, factory, app_settings, count_queries):
    me, token = await factory.member_with_token()
    for n in range(50):
        other = await factory.user()
        conversation, _ = await messages.start_conversation(other, [me.id], f"Hello {n}", settings=app_settings)
        if n % 2:
            await messages.send_message(me, conversation.id, "Hi back", settings=app_settings)
    assert await _inbox_cost(gql, count_queries, token, 5) == await _inbox_cost(gql, count_queries, token, 50)
    inbox = (await gql(INBOX, {"first": 2}, token=token))["inbox"]
    assert inbox["unreadCount"] == 25
    newest = inbox["conversations"]["nodes"][0]
    assert newest["lastMessage"]["body"] == "Hi back" and newest["unreadCount"] == 0
    assert (await gql(INBOX, {"first": 1}))["inbox"] is None


async def test_conversations_and_messages_are_visible_to_members_only(gql, factory):
    alice, alice_token = await factory.member_with_token()
    bob, bob_token = await factory.member_with_token()
    _, eve_token = await factory.member_with_token()
    started = (
        await gql(START, {"input": {"userIds": [gid("User", bob.id)], "body": "Secret plan"}}, token=alice_token)
    )["startConversation"]
    assert started["errors"] == [] and started["message"]["body"] == "Secret plan"
    conversation_id = started["conversation"]["id"]
    assert (await gql(NODE, {"id": conversation_id}, token=bob_token))["node"] == {"id": conversation_id}
    assert (await gql(NODE, {"id": conversation_id}, token=eve_token))["node"] is None
    blocked = (await gql(BLOCK, {"input": {"userId": gid("User", alice.id)}}, token=bob_token))["blockMember"]
    assert blocked == {"blocked": True, "errors": []}
    refused = (await gql(SEND, {"input": {"conversationId": conversation_id, "body": "Hello?"}}, token=alice_token))[
        "sendMessage"
    ]
    assert refused["errors"] == [{"field": "conversationId", "code": "FORBIDDEN"}] and refused["message"] is None
    empty = await gql(START, {"input": {"userIds": [gid("User", bob.id)], "body": " "}}, token=eve_token)
    assert empty["startConversation"]["errors"] == [{"field": "body", "code": "INVALID"}]


async def test_message_added_subscription_delivers_to_members(app_settings, factory):
    from api.pubsub import MemoryBroker, set_broker
    from api.ratelimit import MemoryRateLimiter
    from schema import build_schema
    from schema.context import Context

    broker = MemoryBroker()
    set_broker(broker)
    alice, bob = await factory.user(), await factory.user()
    conversation, _ = await messages.start_conversation(alice, [bob.id], "Hello", settings=app_settings)
    context = Context(settings=app_settings, limiter=MemoryRateLimiter(), viewer=bob)
    stream = await build_schema(app_settings).subscribe(SUBSCRIBE, context_value=context)
    pending = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.05)
    await messages.send_message(alice, conversation.id, "Are you there?", settings=app_settings)
    result = await asyncio.wait_for(pending, 5)
    assert result.errors is None
    assert result.data["messageAdded"] == {"body": "Are you there?", "sender": {"username": alice.username}}
    await stream.aclose()


async def _tickets_cost(gql, count_queries, token, first: int) -> int:
    await gql("{ viewer { user { id } } }", token=token)  # the last-seen update happens now
    with count_queries:
        data = await gql(TICKETS, {"first": first}, token=token)
    assert len(data["feedbackTickets"]["nodes"]) == first
    return count_queries.count


async def test_feedback_threads_and_their_query_cost(gql, factory, app_settings, count_queries):
    mod, mod_token = await factory.member_with_token(role="MODERATOR")
    member, token = await factory.member_with_token()
    _other, other_token = await factory.member_with_token()
    for n in range(50):
        ticket = await feedback.file_ticket(
            member, FeedbackCategory.SUGGESTION, f"Idea {n}", "Body", settings=app_settings
        )
        await feedback.assign(mod, ticket.id, mod.id)
        await feedback.reply(mod, ticket.id, "Thanks!", settings=app_settings)
    assert await _tickets_cost(gql, count_queries, mod_token, 5) == await _tickets_cost(
        gql, count_queries, mod_token, 50
    )
    mine = (await gql(TICKETS, {"first": 1}, token=token))["feedbackTickets"]
    assert mine["totalCount"] == 50 and mine["nodes"][0]["replies"]["nodes"][0]["author"]["username"] == mod.username
    assert mine["nodes"][0]["firstResponseSeconds"] >= 0
    assert (await gql(TICKETS, {"first": 1}, token=other_token))["feedbackTickets"]["totalCount"] == 0


async def test_lottery_seed_is_hidden_until_the_draw_and_verifiable_after(gql, factory, app_settings):
    mod = await factory.user(role="MODERATOR")
    members = [await factory.user() for _ in range(5)]
    lottery = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Draw",
            eligible_set=EligibleSet.LIST,
            winner_count=2,
            prizes=["T-shirt"],
            user_ids=[m.id for m in members],
        ),
        settings=app_settings,
    )
    before = (await gql(LOTTERY))["lotteries"]["nodes"][0]
    assert (
        before["status"],
        before["seed"],
        before["eligibleUserIds"],
        before["winners"],
        before["verified"],
        before["commitment"],
    ) == ("OPEN", None, [], [], None, None)
    await lotteries.freeze(mod, lottery.id, settings=app_settings)
    frozen = (await gql(LOTTERY))["lotteries"]["nodes"][0]
    assert frozen["status"] == "FROZEN" and frozen["seed"] is None and frozen["commitment"]
    assert frozen["eligibleUserIds"] == sorted(m.id for m in members)  # each entrant can check inclusion
    await lotteries.draw(mod, lottery.id, settings=app_settings)
    after = (await gql(LOTTERY))["lotteries"]["nodes"][0]
    assert after["status"] == "DRAWN" and after["commitment"] == frozen["commitment"] and after["verified"] is True
    expected = lotteries.compute_winners(after["seed"], after["eligibleUserIds"], 2)
    by_id = {m.id: m.username for m in members}
    assert [w["user"]["username"] for w in after["winners"]] == [by_id[i] for i in expected]
    assert [w["prize"] for w in after["winners"]] == ["T-shirt", ""]


async def test_analytics_are_refused_to_members_and_served_to_staff(gql, factory):
    _, member_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    variables = {"from": date.today().isoformat(), "to": date.today().isoformat()}
    for token, reason in ((None, "Sign in first."), (member_token, "This needs the moderator role.")):
        for document, values in ((STATS, variables), (INACTIVE, None)):
            body = await gql(document, values, token=token, expect_errors=True)
            assert body["data"] is None and body["errors"][0]["message"] == reason
    stats = (await gql(STATS, variables, token=mod_token))["communityStats"]
    assert len(stats["buckets"]) == 1 and stats["buckets"][0]["newMembers"] == 2
    assert (await gql(INACTIVE, token=mod_token))["inactiveMembers"]["totalCount"] == 0


DELETE_EVENT = """mutation($input: EventRefInput!) { deleteCommunityEvent(input: $input) { event { id } errors { field code } } }"""
CANCEL_EVENT = """mutation($input: EventRefInput!) { cancelCommunityEvent(input: $input) { errors { code } } }"""


async def test_an_event_members_signed_up_for_is_deleted_only_once_cancelled(gql, factory, app_settings):
    mod, mod_token = await factory.member_with_token(role="MODERATOR")
    member, token = await factory.member_with_token()
    start = now() + timedelta(days=2)
    data = events.EventInput(title="Picnic", starts_at=start, ends_at=start + timedelta(hours=2), location="Park")
    upcoming = await events.create_event(mod, data, settings=app_settings)
    past = await events.create_event(mod, data, settings=app_settings)
    await events.rsvp(member, upcoming.id)
    await events.rsvp(member, past.id)
    await type(past).filter(id=past.id).update(starts_at=now() - timedelta(days=1), ends_at=now() - timedelta(hours=20))
    for who in (token, mod_token):
        await gql("{ viewer { user { id } } }", token=who)  # the last-seen update happens now
    before = await _snapshot()
    refused = (await gql(DELETE_EVENT, {"input": {"eventId": gid("CommunityEvent", upcoming.id)}}, token=mod_token))[
        "deleteCommunityEvent"
    ]
    assert refused == {"event": None, "errors": [{"field": "eventId", "code": "CONFLICT"}]}
    assert await _snapshot() == before

    event_id = gid("CommunityEvent", upcoming.id)
    assert (await gql(CANCEL_EVENT, {"input": {"eventId": event_id}}, token=mod_token))["cancelCommunityEvent"] == {
        "errors": []
    }
    for which in (event_id, gid("CommunityEvent", past.id)):  # cancelled, or over: nobody is left waiting
        deleted = (await gql(DELETE_EVENT, {"input": {"eventId": which}}, token=mod_token))["deleteCommunityEvent"]
        assert deleted == {"event": None, "errors": []}
        assert (await gql(NODE, {"id": which}, token=token))["node"] is None
    assert (await gql(EVENTS, {"first": 10}, token=token))["communityEvents"]["totalCount"] == 0
    again = (await gql(DELETE_EVENT, {"input": {"eventId": event_id}}, token=mod_token))["deleteCommunityEvent"]
    assert again["errors"] == [{"field": "eventId", "code": "NOT_FOUND"}]


async def test_a_proposed_series_deleted_by_its_member_leaves_the_review_queue_whole(gql, factory, app_settings):
    from api.models.engagement import Event

    member, token = await factory.member_with_token(trust_level=app_settings.event_propose_min_trust_level)
    _other, other_token = await factory.member_with_token(trust_level=app_settings.event_propose_min_trust_level)
    start = now() + timedelta(days=2)
    first = await events.create_event(
        member,
        events.EventInput(
            title="Weekly walk",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Gate",
            recurrence="FREQ=WEEKLY;COUNT=3",
        ),
        settings=app_settings,
    )
    assert await Event.filter(held=True, deleted_at__isnull=True).count() == 3
    await gql("{ viewer { user { id } } }", token=other_token)
    before = await _snapshot()
    refused = (await gql(DELETE_EVENT, {"input": {"eventId": gid("CommunityEvent", first.id)}}, token=other_token))[
        "deleteCommunityEvent"
    ]
    assert refused["errors"] == [{"field": "eventId", "code": "NOT_FOUND"}]  # held: not shown to others
    assert await _snapshot() == before
    deleted = (await gql(DELETE_EVENT, {"input": {"eventId": gid("CommunityEvent", first.id)}}, token=token))[
        "deleteCommunityEvent"
    ]
    assert deleted["errors"] == []
    assert await Event.filter(deleted_at__isnull=True).count() == 0
