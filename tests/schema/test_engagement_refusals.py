"""Mutations open to members but limited to some of them (organisers, participants, ticket
authors) refuse the others through GraphQL, and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from strawberry.relay import GlobalID

from api.domain.engagement import events, feedback, messages
from api.models.engagement import FeedbackCategory
from api.timeutil import now
from tests.platform.test_mutations import _snapshot


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def _world(factory, settings) -> dict:
    mod = await factory.user(role="MODERATOR")
    alice, bob = await factory.user(), await factory.user()
    start = now() + timedelta(minutes=20)
    event = await events.create_event(
        mod,
        events.EventInput(title="Meetup", starts_at=start, ends_at=start + timedelta(hours=2), location="Hall"),
        settings=settings,
    )
    await events.rsvp(alice, event.id)
    conversation, _ = await messages.start_conversation(alice, [bob.id], "Private", settings=settings)
    ticket = await feedback.file_ticket(alice, FeedbackCategory.BUG, "Bug", "It broke.", settings=settings)
    return {
        "event": gid("CommunityEvent", event.id),
        "alice": gid("User", alice.id),
        "conversation": gid("Conversation", conversation.id),
        "ticket": gid("FeedbackTicket", ticket.id),
        "code": event.check_in_code,
    }


CASES = {
    "updateCommunityEvent": (
        "UpdateCommunityEventInput",
        lambda w: {"eventId": w["event"], "event": {"title": "Mine"}},
        "FORBIDDEN",
    ),
    "cancelCommunityEvent": ("EventRefInput", lambda w: {"eventId": w["event"]}, "FORBIDDEN"),
    "deleteCommunityEvent": ("EventRefInput", lambda w: {"eventId": w["event"]}, "FORBIDDEN"),
    "checkInAttendee": ("CheckInAttendeeInput", lambda w: {"eventId": w["event"], "userId": w["alice"]}, "FORBIDDEN"),
    "checkInToEvent": ("CheckInToEventInput", lambda w: {"eventId": w["event"], "code": w["code"]}, "FORBIDDEN"),
    "cancelRsvp": ("EventRefInput", lambda w: {"eventId": w["event"]}, "CONFLICT"),
    "sendMessage": ("SendMessageInput", lambda w: {"conversationId": w["conversation"], "body": "Hi"}, "NOT_FOUND"),
    "markConversationRead": ("ConversationRefInput", lambda w: {"conversationId": w["conversation"]}, "NOT_FOUND"),
    "leaveConversation": ("ConversationRefInput", lambda w: {"conversationId": w["conversation"]}, "NOT_FOUND"),
    "replyToFeedback": ("ReplyToFeedbackInput", lambda w: {"ticketId": w["ticket"], "body": "Me too"}, "NOT_FOUND"),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_an_uninvolved_member_is_refused_and_nothing_changes(gql, factory, app_settings, name):
    input_type, make_input, code = CASES[name]
    world = await _world(factory, app_settings)
    _, token = await factory.member_with_token()
    await gql("{ viewer { user { id } } }", token=token)
    before = await _snapshot()
    document = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ errors {{ code }} }} }}"
    data = await gql(document, {"input": make_input(world)}, token=token)
    assert data[name]["errors"] == [{"code": code}]
    assert await _snapshot() == before
