"""Types of feedback tickets and their threads."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from api.models import engagement as models
from schema.accounts import User
from schema.context import Info
from schema.engagement.access import load_user
from schema.engagement.enums import FeedbackCategory, TicketStatus
from schema.relay import After, Before, Connection, First, Last, ModelNode, node_global_id, paginate_list


@strawberry.type(description="A member's feedback or complaint, with its thread.")
class FeedbackTicket(ModelNode):
    model = models.FeedbackTicket

    id: relay.NodeID[int]
    category: FeedbackCategory = strawberry.field(description="Kind of feedback.")
    subject: str = strawberry.field(description="One-line summary.")
    body: str = strawberry.field(description="The feedback as written.")
    status: TicketStatus = strawberry.field(description="Open, in progress, resolved or rejected.")
    created_at: datetime = strawberry.field(description="When it was filed.")
    first_response_at: datetime | None = strawberry.field(description="When staff first replied.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved or rejected.")

    @strawberry.field(description="Seconds from filing to the first staff reply.")
    @staticmethod
    def first_response_seconds(root: strawberry.Parent[models.FeedbackTicket]) -> float | None:
        if root.first_response_at is None:
            return None
        return (root.first_response_at - root.created_at).total_seconds()

    @strawberry.field(description="Seconds from filing to resolution or rejection.")
    @staticmethod
    def resolution_seconds(root: strawberry.Parent[models.FeedbackTicket]) -> float | None:
        if root.resolved_at is None:
            return None
        return (root.resolved_at - root.created_at).total_seconds()

    @strawberry.field(description="Global ids of the attached media files.")
    @staticmethod
    def attachment_ids(root: strawberry.Parent[models.FeedbackTicket]) -> list[strawberry.ID]:
        return [strawberry.ID(node_global_id("MediaFile", i)) for i in root.attachment_ids]

    @strawberry.field(description="The member who filed it.")
    @staticmethod
    async def author(root: strawberry.Parent[models.FeedbackTicket], info: Info) -> User | None:
        return await load_user(info, root.author_id)

    @strawberry.field(description="The staff member handling it.")
    @staticmethod
    async def assignee(root: strawberry.Parent[models.FeedbackTicket], info: Info) -> User | None:
        return await load_user(info, root.assignee_id)

    @strawberry.field(description="The thread, oldest first.")
    @staticmethod
    async def replies(
        root: strawberry.Parent[models.FeedbackTicket],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[FeedbackReply]:
        # Threads are short: load the threads of every ticket on the page in one query.
        rows = await info.context.loaders.many(models.FeedbackReply, "ticket_id").load(root.id)
        return paginate_list(info, rows, first=first, after=after, last=last, before=before)


@strawberry.type(description="A message in a feedback ticket's thread.")
class FeedbackReply(ModelNode):
    model = models.FeedbackReply

    id: relay.NodeID[int]
    body: str = strawberry.field(description="The text.")
    from_staff: bool = strawberry.field(description="Written by staff (rather than the member who filed it).")
    created_at: datetime = strawberry.field(description="When it was written.")

    @strawberry.field(description="Who wrote it.")
    @staticmethod
    async def author(root: strawberry.Parent[models.FeedbackReply], info: Info) -> User | None:
        return await load_user(info, root.author_id)
