"""Feedback tickets: members file feedback or complaints; staff assign, reply and move them
OPEN → IN_PROGRESS → RESOLVED / REJECTED (a closed ticket may be reopened to IN_PROGRESS).
The first staff reply sets `first_response_at`; closing sets `resolved_at`."""

from __future__ import annotations

from api.domain.content import gate
from api.domain.content.events import Submission
from api.domain.engagement.access import can_read_ticket
from api.domain.engagement.common import clean_line, clean_text
from api.domain.notifications import notify
from api.errors import Conflict, ErrorCode, Invalid, NotFound
from api.models.accounts import Role, User
from api.models.engagement import FeedbackCategory, FeedbackReply, FeedbackTicket, TicketStatus
from api.policies import is_staff, require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

MAX_ATTACHMENTS = 10

TRANSITIONS = {
    TicketStatus.OPEN: {TicketStatus.IN_PROGRESS, TicketStatus.REJECTED},
    TicketStatus.IN_PROGRESS: {TicketStatus.RESOLVED, TicketStatus.REJECTED},
    TicketStatus.RESOLVED: {TicketStatus.IN_PROGRESS},
    TicketStatus.REJECTED: {TicketStatus.IN_PROGRESS},
}
CLOSED = {TicketStatus.RESOLVED, TicketStatus.REJECTED}


async def file_ticket(
    user: User,
    category: FeedbackCategory,
    subject: str,
    body: str,
    attachment_ids: list[int] | None = None,
    *,
    settings: Settings,
) -> FeedbackTicket:
    subject = clean_line(subject, "subject", settings.max_title_length)
    body = clean_text(body, "body", settings.max_feedback_length)
    attachments = sorted(set(attachment_ids or []))
    if len(attachments) > MAX_ATTACHMENTS:
        raise Invalid(f"Attach at most {MAX_ATTACHMENTS} files.", field="attachmentIds")
    if attachments:
        from api.models.media import MediaFile

        owned = await MediaFile.filter(id__in=attachments, owner_id=user.id).count()
        if owned != len(attachments):
            raise NotFound("Attach only files you uploaded.", field="attachmentIds")
    # Written to the operators: open to muted and not yet admitted members (an appeal), screened.
    verdict = await gate.check(
        Submission(author=user, content_type="FeedbackTicket", texts={"subject": subject, "body": body}, to_staff=True),
        settings,
    )
    return await FeedbackTicket.create(
        author_id=user.id,
        category=category,
        subject=verdict.text("subject", subject),
        body=verdict.text("body", body),
        attachment_ids=attachments,
    )


async def _ticket(ticket_id: int, *, lock: bool = False) -> FeedbackTicket:
    query = FeedbackTicket.filter(id=ticket_id)
    ticket = await (query.select_for_update() if lock else query).first()
    if ticket is None:
        raise NotFound("No such ticket.", field="ticketId")
    return ticket


async def reply(actor: User | None, ticket_id: int, body: str, *, settings: Settings) -> FeedbackReply:
    """The author or staff add to the thread. The first staff reply is the first response."""
    member = require_role(actor, Role.MEMBER)
    body = clean_text(body, "body", settings.max_feedback_length)
    verdict = await gate.check(
        Submission(author=member, content_type="FeedbackReply", texts={"body": body}, to_staff=True), settings
    )
    body = verdict.text("body", body)
    async with transaction():
        ticket = await _ticket(ticket_id, lock=True)
        if not can_read_ticket(member, ticket):
            raise NotFound("No such ticket.", field="ticketId")
        staff = is_staff(member) and ticket.author_id != member.id
        if not staff and ticket.status in CLOSED:
            raise Conflict("This ticket is closed; file a new one.", field="ticketId", code=ErrorCode.CLOSED)
        message = await FeedbackReply.create(ticket_id=ticket.id, author_id=member.id, body=body, from_staff=staff)
        if staff and ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
            await ticket.save(update_fields=["first_response_at"])
    if staff:
        await notify(
            ticket.author_id,
            "engagement.feedback_reply",
            actor_id=member.id,
            subject_type="FeedbackTicket",
            subject_id=ticket.id,
            message=f"Staff replied to your feedback “{ticket.subject}”.",
        )
    elif ticket.assignee_id:
        await notify(
            ticket.assignee_id,
            "engagement.feedback_reply",
            actor_id=member.id,
            subject_type="FeedbackTicket",
            subject_id=ticket.id,
            message=f"New reply on “{ticket.subject}”.",
        )
    return message


async def assign(actor: User | None, ticket_id: int, assignee_id: int | None) -> FeedbackTicket:
    """Staff give a ticket to a staff member (or unassign it); an open ticket is then in progress."""
    staff = require_role(actor, Role.MODERATOR)
    if assignee_id is not None:
        assignee = await User.filter(id=assignee_id).first()
        if assignee is None:
            raise NotFound("No such member.", field="assigneeId")
        if not is_staff(assignee):
            raise Invalid("Assign tickets to moderators or admins.", field="assigneeId")
    async with transaction():
        ticket = await _ticket(ticket_id, lock=True)
        ticket.assignee_id = assignee_id
        if assignee_id is not None and ticket.status == TicketStatus.OPEN:
            ticket.status = TicketStatus.IN_PROGRESS
        await ticket.save(update_fields=["assignee_id", "status"])
    if assignee_id is not None:
        await notify(
            assignee_id,
            "engagement.feedback_assigned",
            actor_id=staff.id,
            subject_type="FeedbackTicket",
            subject_id=ticket.id,
            message=f"Feedback “{ticket.subject}” is assigned to you.",
        )
    return ticket


async def set_status(actor: User | None, ticket_id: int, status: TicketStatus) -> FeedbackTicket:
    staff = require_role(actor, Role.MODERATOR)
    status = TicketStatus(status)
    async with transaction():
        ticket = await _ticket(ticket_id, lock=True)
        current = TicketStatus(ticket.status)
        if status not in TRANSITIONS[current]:
            raise Conflict(f"A {current.value} ticket cannot become {status.value}.", field="status")
        ticket.status = status
        ticket.resolved_at = now() if status in CLOSED else None
        await ticket.save(update_fields=["status", "resolved_at"])
    if status in CLOSED or current in CLOSED:
        await notify(
            ticket.author_id,
            "engagement.feedback_status",
            actor_id=staff.id,
            subject_type="FeedbackTicket",
            subject_id=ticket.id,
            message=f"Your feedback “{ticket.subject}” is now {status.value.replace('_', ' ').lower()}.",
        )
    return ticket
