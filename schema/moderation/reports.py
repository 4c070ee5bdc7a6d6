"""Reports and the review queue: reporting, the moderators' queue, resolving reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import strawberry

from api.domain.moderation import reports as domain
from api.errors import Invalid
from api.models import moderation as models
from api.models.accounts import Role
from api.policies import require_member, require_role
from schema.accounts import Payload
from schema.context import Info
from schema.enums import described_enum
from schema.errors import PublicError
from schema.moderation.types import ModerationAction, Report, ReportReason, ReviewItem
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, decode_global_id, paginate, parse_id

QueueOrder = described_enum(
    domain.QueueOrder, name="ReviewQueueOrder", description="Order of the review queue.",
    values={"NEWEST": "Most recently reported or held first.", "MOST_REPORTED": "Most reports first."},
)
QueueFilter = described_enum(
    domain.QueueFilter, name="ReviewQueueFilter", description="Which review items to list.",
    values={"ALL": "Reported and held items.", "REPORTED": "Items with reports.",
            "HELD": "Content held by pre-moderation."},
)


@strawberry.input(description="Report content (topic, post, article, resource, message) or a member.")
class ReportInput:
    subject_id: strawberry.ID = strawberry.field(description="Global id of the content or the User.")
    reason: ReportReason = strawberry.field(description="Why.")
    note: str = strawberry.field(default="", description="Details for the moderators (required for OTHER).")


@strawberry.type(description="Result of `report`.")
class ReportPayload(Payload):
    report: Report | None = strawberry.field(default=None, description="The report.")


@strawberry.input(description="Resolve every open report on a review item with one action.")
class ResolveReportInput:
    item_id: strawberry.ID = strawberry.field(description="Global id of the ReviewItem.")
    action: ModerationAction = strawberry.field(description="What to do.")
    reason: str = strawberry.field(default="", description="Why (required except for DISMISS); logged.")
    duration_hours: int | None = strawberry.field(
        default=None, description="Length of a MUTE (required) or BAN (omit for a permanent ban)."
    )


@strawberry.type(description="Result of `resolveReport`.")
class ResolveReportPayload(Payload):
    item: ReviewItem | None = strawberry.field(default=None, description="The resolved item.")


def _subject(value: strawberry.ID) -> tuple[str, int]:
    try:
        return decode_global_id(value, domain.reportable_types())
    except PublicError as exc:
        raise Invalid(str(exc), field="subjectId") from None


@strawberry.input(description="Show hidden content again.")
class RestoreContentInput:
    subject_id: strawberry.ID = strawberry.field(description="Global id of the hidden content.")
    reason: str = strawberry.field(description="Why; logged.")


@strawberry.type(description="Result of `restoreContent`.")
class RestoreContentPayload(Payload):
    subject_id: strawberry.ID | None = strawberry.field(default=None, description="Global id of the restored content.")


@strawberry.type
class Query:
    @strawberry.field(description="Open review items for moderators, grouped by subject with their reports.")
    async def review_queue(
        self, info: Info,
        order: Annotated[QueueOrder, strawberry.argument(description="Newest or most-reported first.")]
        = domain.QueueOrder.NEWEST,
        filter: Annotated[QueueFilter, strawberry.argument(description="Reported items, held ones or both.")]
        = domain.QueueFilter.ALL,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[ReviewItem]:
        require_role(info.context.viewer, Role.MODERATOR)
        query = domain.queue(domain.QueueOrder(order), domain.QueueFilter(filter))
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="The viewer's reports and their outcomes, newest first.")
    async def my_reports(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[Report]:
        viewer = require_member(info.context.viewer)
        query = models.Report.filter(reporter_id=viewer.id).order_by("-created_at", "-id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Report content or a member to the moderators.")
    @guard(Require.MEMBER)
    async def report(
        self, info: Info,
        input: Annotated[ReportInput, strawberry.argument(description="What is reported and why.")],
    ) -> ReportPayload:
        subject_type, subject_id = _subject(input.subject_id)
        created = await domain.report(info.context.viewer, subject_type, subject_id,
                                      models.ReportReason(input.reason), input.note)
        return ReportPayload(report=created)

    @strawberry.mutation(description="Resolve a reported item: dismiss, hide, delete, warn, mute or ban (moderators).")
    @guard(Require.MODERATOR)
    async def resolve_report(
        self, info: Info,
        input: Annotated[ResolveReportInput, strawberry.argument(description="The item, the action and the reason.")],
    ) -> ResolveReportPayload:
        duration = None
        if input.duration_hours is not None:
            if input.duration_hours <= 0:
                raise Invalid("Use a positive number of hours.", field="durationHours")
            duration = timedelta(hours=input.duration_hours)
        item = await domain.resolve(
            info.context.viewer, parse_id(input.item_id, "ReviewItem", "itemId"),
            models.ModerationAction(input.action), reason=input.reason, duration=duration,
        )
        return ResolveReportPayload(item=item)

    @strawberry.mutation(description="Show content hidden by a moderator again (moderators).")
    @guard(Require.MODERATOR)
    async def restore_content(
        self, info: Info,
        input: Annotated[RestoreContentInput, strawberry.argument(description="The content and why.")],
    ) -> RestoreContentPayload:
        subject_type, subject_id = _subject(input.subject_id)
        await domain.restore_content(info.context.viewer, subject_type, subject_id, input.reason)
        return RestoreContentPayload(subject_id=input.subject_id)
