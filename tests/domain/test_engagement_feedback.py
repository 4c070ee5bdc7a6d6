"""Feedback tickets: filing, thread, assignment, status flow, first-response and resolution times."""

from __future__ import annotations

import pytest

from api.domain.engagement import feedback
from api.domain.engagement.access import can_read_ticket
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models.engagement import FeedbackCategory, FeedbackReply, FeedbackTicket, TicketStatus
from api.models.notifications import Notification


async def test_status_flow_and_response_times(app_settings, factory):
    member, mod = await factory.user(), await factory.user(role="MODERATOR")
    ticket = await feedback.file_ticket(
        member, FeedbackCategory.COMPLAINT, "Spam in General", "Someone posts ads every hour.", settings=app_settings
    )
    assert ticket.status == TicketStatus.OPEN and ticket.first_response_at is None
    await feedback.reply(member, ticket.id, "Still happening.", settings=app_settings)
    assert (await FeedbackTicket.get(id=ticket.id)).first_response_at is None  # the member's own reply
    assigned = await feedback.assign(mod, ticket.id, mod.id)
    assert (assigned.status, assigned.assignee_id) == (TicketStatus.IN_PROGRESS, mod.id)
    first = await feedback.reply(mod, ticket.id, "Looking into it.", settings=app_settings)
    await feedback.reply(mod, ticket.id, "Banned the spammer.", settings=app_settings)
    stored = await FeedbackTicket.get(id=ticket.id)
    assert stored.first_response_at == first.created_at
    with pytest.raises(Conflict):
        await feedback.set_status(mod, ticket.id, TicketStatus.OPEN)
    resolved = await feedback.set_status(mod, ticket.id, TicketStatus.RESOLVED)
    assert resolved.resolved_at is not None and resolved.resolved_at >= stored.first_response_at
    with pytest.raises(Conflict):  # closed: the member files a new ticket instead
        await feedback.reply(member, ticket.id, "Thanks!", settings=app_settings)
    reopened = await feedback.set_status(mod, ticket.id, TicketStatus.IN_PROGRESS)
    assert reopened.resolved_at is None
    assert await FeedbackReply.filter(ticket_id=ticket.id).count() == 3
    assert await Notification.filter(user_id=member.id, kind="engagement.feedback_reply").count() == 2


async def test_only_the_author_and_staff_see_and_act(app_settings, factory):
    member, other, mod = await factory.user(), await factory.user(), await factory.user(role="MODERATOR")
    ticket = await feedback.file_ticket(
        member, FeedbackCategory.BUG, "Broken link", "The rules page 404s.", settings=app_settings
    )
    assert can_read_ticket(member, ticket) and can_read_ticket(mod, ticket)
    assert not can_read_ticket(other, ticket) and not can_read_ticket(None, ticket)
    with pytest.raises(NotFound):
        await feedback.reply(other, ticket.id, "Me too", settings=app_settings)
    with pytest.raises(Forbidden):
        await feedback.set_status(member, ticket.id, TicketStatus.RESOLVED)
    with pytest.raises(Forbidden):
        await feedback.assign(member, ticket.id, member.id)
    with pytest.raises(Invalid):  # only staff take tickets
        await feedback.assign(mod, ticket.id, other.id)
    rejected = await feedback.set_status(mod, ticket.id, TicketStatus.REJECTED)
    assert rejected.resolved_at is not None
    assert (await FeedbackTicket.get(id=ticket.id)).status == TicketStatus.REJECTED


async def test_validation_of_tickets(app_settings, factory):
    member = await factory.user()
    with pytest.raises(Invalid) as empty:
        await feedback.file_ticket(member, FeedbackCategory.OTHER, "Subject", "  ", settings=app_settings)
    assert empty.value.field == "body"
    with pytest.raises(Invalid):
        await feedback.file_ticket(
            member,
            FeedbackCategory.OTHER,
            "Subject",
            "x" * (app_settings.max_feedback_length + 1),
            settings=app_settings,
        )
    with pytest.raises(NotFound) as foreign:
        await feedback.file_ticket(member, FeedbackCategory.OTHER, "Subject", "Body", [12345], settings=app_settings)
    assert foreign.value.field == "attachmentIds"
    assert await FeedbackTicket.all().count() == 0
