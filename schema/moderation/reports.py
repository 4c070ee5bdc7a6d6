"""Reports and the review queue: reporting, the moderators' queue, resolving reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.moderation import reports as domain
from api.errors import Invalid
from api.models import moderation as models
from api.models.accounts import Role
from api.policies import is_staff, require_member, require_role
from schema.accounts import Payload, User
from schema.context import Info
from schema.enums import described_enum
from schema.errors import PublicError
from schema.moderation.enums import ModerationAction, ReportReason, ReviewStatus
from schema.moderation.related import global_id, subject_loader, user_of
from schema.permissions import Require, guard
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    ModelNode,
    decode_global_id,
    paginate,
    paginate_list,
    parse_id,
)

QueueOrder = domain.QueueOrder
described_enum(
    QueueOrder,
    name="ReviewQueueOrder",
    description="Order of the review queue.",
    values={"NEWEST": "Most recently reported or held first.", "MOST_REPORTED": "Most reports first."},
)
QueueFilter = domain.QueueFilter
described_enum(
    QueueFilter,
    name="ReviewQueueFilter",
    description="Which review items to list.",
    values={
        "ALL": "Reported and held items.",
        "REPORTED": "Items with reports.",
        "HELD": "Content held by pre-moderation.",
    },
)


@strawberry.type(description="A member's report on content or on another member.")
class Report(ModelNode):
    model = models.Report

    id: relay.NodeID[int]
    subject_type: str = strawberry.field(description="GraphQL type of what was reported.")
    reason: ReportReason = strawberry.field(description="Why it was reported.")
    note: str = strawberry.field(description="The reporter's explanation.")
    outcome: ModerationAction | None = strawberry.field(description="How moderators resolved it, once they did.")
    created_at: datetime = strawberry.field(description="When it was made.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved.")

    @strawberry.field(description="Global id of what was reported.")
    @staticmethod
    def subject_id(root: strawberry.Parent[models.Report]) -> strawberry.ID:
        return global_id(root.subject_type, root.subject_id)

    @strawberry.field(description="Who reported it (staff and the reporter only).")
    @staticmethod
    async def reporter(root: strawberry.Parent[models.Report], info: Info) -> User | None:
        viewer = info.context.viewer
        if viewer is None or not (is_staff(viewer) or viewer.id == root.reporter_id):
            return None
        return await user_of(info, root.reporter_id)


@strawberry.type(description="What a review item is about, as moderation sees it.")
class ReviewSubject:
    title: str = strawberry.field(description="A short label: title, excerpt or username.")
    text: str = strawberry.field(description="The body as written (or the member's bio).")
    hidden: bool = strawberry.field(description="Whether it is hidden now.")
    deleted: bool = strawberry.field(description="Whether it is deleted now.")
    held: bool = strawberry.field(description="Whether it waits for pre-moderation.")


@strawberry.type(description="A subject in the review queue: reported content or member, or held content.")
class ReviewItem(ModelNode):
    model = models.ReviewItem

    id: relay.NodeID[int]
    subject_type: str = strawberry.field(description="GraphQL type of the subject: Topic, Post, User...")
    status: ReviewStatus = strawberry.field(description="Open or resolved.")
    held: bool = strawberry.field(description="Held by pre-moderation: approve or reject it.")
    hold_reason: str = strawberry.field(description="Why it was held.")
    report_count: int = strawberry.field(description="How many reports it gathered.")
    last_reported_at: datetime | None = strawberry.field(description="When it was last reported.")
    action: ModerationAction | None = strawberry.field(description="The action that resolved the reports.")
    resolution: str = strawberry.field(description="APPROVED or REJECTED for held content.")
    resolution_reason: str = strawberry.field(description="The moderator's reason.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved.")
    created_at: datetime = strawberry.field(description="When it entered the queue.")

    @strawberry.field(description="Global id of the subject.")
    @staticmethod
    def subject_id(root: strawberry.Parent[models.ReviewItem]) -> strawberry.ID:
        return global_id(root.subject_type, root.subject_id)

    @strawberry.field(description="The subject as it is now (null if it is gone).")
    @staticmethod
    async def subject(root: strawberry.Parent[models.ReviewItem], info: Info) -> ReviewSubject | None:
        ref = await subject_loader(info).load((root.subject_type, root.subject_id))
        if ref is None:
            return None
        return ReviewSubject(title=ref.title, text=ref.text, hidden=ref.hidden, deleted=ref.deleted, held=ref.held)

    @strawberry.field(description="The author of the content (or the reported member).")
    @staticmethod
    async def author(root: strawberry.Parent[models.ReviewItem], info: Info) -> User | None:
        return await user_of(info, root.subject_author_id)

    @strawberry.field(description="The reports on this item, newest first.")
    @staticmethod
    async def reports(
        root: strawberry.Parent[models.ReviewItem],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Report]:
        loader = info.context.loaders.many(models.Report, "item_id", order_by=("-created_at", "-id"))
        return paginate_list(info, await loader.load(root.id), first=first, after=after, last=last, before=before)

    @strawberry.field(description="The moderator who resolved it.")
    @staticmethod
    async def resolved_by(root: strawberry.Parent[models.ReviewItem], info: Info) -> User | None:
        return await user_of(info, root.resolved_by_id)


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
        self,
        info: Info,
        order: Annotated[
            QueueOrder, strawberry.argument(description="Newest or most-reported first.")
        ] = domain.QueueOrder.NEWEST,
        filter: Annotated[
            QueueFilter, strawberry.argument(description="Reported items, held ones or both.")
        ] = domain.QueueFilter.ALL,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ReviewItem]:
        require_role(info.context.viewer, Role.MODERATOR)
        query = domain.queue(domain.QueueOrder(order), domain.QueueFilter(filter))
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="The viewer's reports and their outcomes, newest first.")
    async def my_reports(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Report]:
        viewer = require_member(info.context.viewer)
        query = models.Report.filter(reporter_id=viewer.id).order_by("-created_at", "-id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Report content or a member to the moderators.")
    @guard(Require.MEMBER)
    async def report(
        self,
        info: Info,
        input: Annotated[ReportInput, strawberry.argument(description="What is reported and why.")],
    ) -> ReportPayload:
        subject_type, subject_id = _subject(input.subject_id)
        created = await domain.report(
            info.context.viewer,
            subject_type,
            subject_id,
            models.ReportReason(input.reason),
            input.note,
            settings=info.context.settings,
        )
        return ReportPayload(report=created)

    @strawberry.mutation(description="Resolve a reported item: dismiss, hide, delete, warn, mute or ban (moderators).")
    @guard(Require.MODERATOR)
    async def resolve_report(
        self,
        info: Info,
        input: Annotated[ResolveReportInput, strawberry.argument(description="The item, the action and the reason.")],
    ) -> ResolveReportPayload:
        duration = None
        if input.duration_hours is not None:
            if input.duration_hours <= 0:
                raise Invalid("Use a positive number of hours.", field="durationHours")
            duration = timedelta(hours=input.duration_hours)
        item = await domain.resolve(
            info.context.viewer,
            parse_id(input.item_id, "ReviewItem", "itemId"),
            models.ModerationAction(input.action),
            reason=input.reason,
            duration=duration,
            settings=info.context.settings,
        )
        return ResolveReportPayload(item=item)

    @strawberry.mutation(description="Show content hidden by a moderator again (moderators).")
    @guard(Require.MODERATOR)
    async def restore_content(
        self,
        info: Info,
        input: Annotated[RestoreContentInput, strawberry.argument(description="The content and why.")],
    ) -> RestoreContentPayload:
        subject_type, subject_id = _subject(input.subject_id)
        await domain.restore_content(
            info.context.viewer, subject_type, subject_id, input.reason, settings=info.context.settings
        )
        return RestoreContentPayload(subject_id=input.subject_id)
