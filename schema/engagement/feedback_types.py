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
    def first_response_seconds(self) -> float | None:
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds()

    @strawberry.field(description="Seconds from filing to resolution or rejection.")
    def resolution_seconds(self) -> float | None:
        if self.resolved_at is None:
            return None
        return (self.resolved_at - self.created_at).total_seconds()

    @strawberry.field(description="Global ids of the attached media files.")
    def attachment_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(node_global_id("MediaFile", i)) for i in self.attachment_ids]

    @strawberry.field(description="The member who filed it.")
    async def author(self, info: Info) -> User | None:
        return await load_user(info, self.author_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The staff member handling it.")
    async def assignee(self, info: Info) -> User | None:
        return await load_user(info, self.assignee_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The thread, oldest first.")
    async def replies(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[FeedbackReply]:
        # Threads are short: load the threads of every ticket on the page in one query.
        rows = await info.context.loaders.many(models.FeedbackReply, "ticket_id").load(self.id)
        return paginate_list(info, rows, first=first, after=after, last=last, before=before)


@strawberry.type(description="A message in a feedback ticket's thread.")
class FeedbackReply(ModelNode):
    model = models.FeedbackReply

    id: relay.NodeID[int]
    body: str = strawberry.field(description="The text.")
    from_staff: bool = strawberry.field(description="Written by staff (rather than the member who filed it).")
    created_at: datetime = strawberry.field(description="When it was written.")

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info) -> User | None:
        return await load_user(info, self.author_id)  # type: ignore[attr-defined]

