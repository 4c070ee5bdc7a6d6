"""Feedback tickets: members file and follow them; staff assign, reply and close them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.engagement import feedback as domain
from api.models import engagement as models
from api.policies import is_staff
from schema.accounts import Payload
from schema.context import Info
from schema.engagement.enums import INPUT, FeedbackCategory, TicketStatus
from schema.engagement.types import FeedbackReply, FeedbackTicket
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, paginate, parse_id


@strawberry.type
class Query:
    @strawberry.field(description="Feedback tickets, newest first: staff see all, members their own.")
    async def feedback_tickets(
        self,
        info: Info,
        status: Annotated[TicketStatus | None, strawberry.argument(description="Only in this state.")] = None,
        assigned_to_me: Annotated[
            bool, strawberry.argument(description="Only tickets assigned to the viewer (staff).")
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[FeedbackTicket]:
        viewer = info.context.viewer
        query = models.FeedbackTicket.all().order_by("-id")
        if viewer is None:
            query = query.filter(id__in=[])
        elif not is_staff(viewer):
            query = query.filter(author_id=viewer.id)
        elif assigned_to_me:
            query = query.filter(assignee_id=viewer.id)
        if status is not None:
            query = query.filter(status=status)
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.input(description="File feedback or a complaint.")
class FileFeedbackInput:
    category: FeedbackCategory = strawberry.field(description="Kind of feedback.")
    subject: str = strawberry.field(description="One-line summary.")
    body: str = strawberry.field(description="The details (at most MAX_FEEDBACK_LENGTH characters).")
    attachment_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Global ids of media files the member uploaded."
    )


@strawberry.type(description="Result of a feedback ticket mutation.")
class FeedbackTicketPayload(Payload):
    ticket: FeedbackTicket | None = strawberry.field(default=None, description="The ticket.")


@strawberry.input(description="Reply in a ticket's thread.")
class ReplyToFeedbackInput:
    ticket_id: strawberry.ID = strawberry.field(description="Global id of the ticket.")
    body: str = strawberry.field(description="The reply.")


@strawberry.type(description="Result of `replyToFeedback`.")
class ReplyToFeedbackPayload(Payload):
    reply: FeedbackReply | None = strawberry.field(default=None, description="The reply.")
    ticket: FeedbackTicket | None = strawberry.field(default=None, description="The ticket.")


@strawberry.input(description="Assign a ticket.")
class AssignFeedbackInput:
    ticket_id: strawberry.ID = strawberry.field(description="Global id of the ticket.")
    assignee_id: strawberry.ID | None = strawberry.field(description="Global id of a staff member; null to unassign.")


@strawberry.input(description="Move a ticket along OPEN → IN_PROGRESS → RESOLVED / REJECTED.")
class SetFeedbackStatusInput:
    ticket_id: strawberry.ID = strawberry.field(description="Global id of the ticket.")
    status: TicketStatus = strawberry.field(description="The new status.")


def _ticket_id(value: strawberry.ID) -> int:
    return parse_id(value, "FeedbackTicket", "ticketId")


@strawberry.type
class Mutation:
    # Feedback reaches staff only, and muted members must still be able to complain: SIGNED_IN.
    @strawberry.mutation(description="File feedback or a complaint to the community's staff.")
    @guard(Require.SIGNED_IN)
    async def file_feedback(
        self,
        info: Info,
        input: Annotated[FileFeedbackInput, strawberry.argument(description=INPUT)],
    ) -> FeedbackTicketPayload:
        ticket = await domain.file_ticket(
            info.context.viewer,
            models.FeedbackCategory(input.category),
            input.subject,
            input.body,
            [parse_id(i, "MediaFile", "attachmentIds") for i in input.attachment_ids],
            settings=info.context.settings,
        )
        return FeedbackTicketPayload(ticket=ticket)

    @strawberry.mutation(description="Reply in a ticket's thread (its author or staff).")
    @guard(Require.SIGNED_IN)
    async def reply_to_feedback(
        self,
        info: Info,
        input: Annotated[ReplyToFeedbackInput, strawberry.argument(description=INPUT)],
    ) -> ReplyToFeedbackPayload:
        reply = await domain.reply(
            info.context.viewer, _ticket_id(input.ticket_id), input.body, settings=info.context.settings
        )
        return ReplyToFeedbackPayload(reply=reply, ticket=await models.FeedbackTicket.get(id=reply.ticket_id))

    @strawberry.mutation(description="Assign a ticket to a staff member (staff).")
    @guard(Require.MODERATOR)
    async def assign_feedback(
        self,
        info: Info,
        input: Annotated[AssignFeedbackInput, strawberry.argument(description=INPUT)],
    ) -> FeedbackTicketPayload:
        assignee = parse_id(input.assignee_id, "User", "assigneeId") if input.assignee_id else None
        ticket = await domain.assign(info.context.viewer, _ticket_id(input.ticket_id), assignee)
        return FeedbackTicketPayload(ticket=ticket)

    @strawberry.mutation(description="Change a ticket's status (staff).")
    @guard(Require.MODERATOR)
    async def set_feedback_status(
        self,
        info: Info,
        input: Annotated[SetFeedbackStatusInput, strawberry.argument(description=INPUT)],
    ) -> FeedbackTicketPayload:
        ticket = await domain.set_status(
            info.context.viewer, _ticket_id(input.ticket_id), models.TicketStatus(input.status)
        )
        return FeedbackTicketPayload(ticket=ticket)
