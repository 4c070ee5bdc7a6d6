"""Segments (用户画像): staff save criteria and list who matches, with counts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.growth import segments as domain
from api.models import growth as models
from api.policy import visible
from schema.accounts import Payload, User, UserStatus
from schema.context import Info
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, parse_id


@strawberry.type(description="Who a segment selects: every set criterion must hold; a list matches any of its values.")
class SegmentCriteria:
    interest_tags: list[str] = strawberry.field(description="Members with any of these interest tags.")
    tier_ids: list[strawberry.ID] = strawberry.field(description="Members holding any of these tiers.")
    min_trust_level: int | None = strawberry.field(description="Trust level at least this.")
    max_trust_level: int | None = strawberry.field(description="Trust level at most this.")
    stages: list[UserStatus] = strawberry.field(description="Lifecycle stages, any of.")
    joined_after: date | None = strawberry.field(description="Joined on or after this community day.")
    joined_before: date | None = strawberry.field(description="Joined on or before this community day.")
    active_within_days: int | None = strawberry.field(description="Active on one of the last N community days.")
    space_ids: list[strawberry.ID] = strawberry.field(description="Watching topics in any of these spaces.")
    min_events_attended: int | None = strawberry.field(description="Checked in at this many events or more.")


@strawberry.type(description="A saved segment of members (staff).")
class Segment(ModelNode):
    model = models.Segment

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Unique name.")
    description: str = strawberry.field(description="What the segment is for.")
    created_at: datetime = strawberry.field(description="When it was saved.")

    @strawberry.field(description="Its criteria.")
    def criteria(self) -> SegmentCriteria:
        c = domain.Criteria.from_json(self.criteria)
        from schema.relay import node_global_id

        return SegmentCriteria(
            interest_tags=c.interest_tags,
            tier_ids=[strawberry.ID(node_global_id("Tier", i)) for i in c.tier_ids],
            min_trust_level=c.min_trust_level,
            max_trust_level=c.max_trust_level,
            stages=[UserStatus(s) for s in c.stages],
            joined_after=c.joined_after,
            joined_before=c.joined_before,
            active_within_days=c.active_within_days,
            space_ids=[strawberry.ID(node_global_id("Space", i)) for i in c.space_ids],
            min_events_attended=c.min_events_attended,
        )


@strawberry.input(description="A segment's criteria (unset ones select everybody).")
class SegmentCriteriaInput:
    interest_tags: list[str] = strawberry.field(default_factory=list, description="Any of these interest tags.")
    tier_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Any of these tiers.")
    min_trust_level: int | None = strawberry.field(default=None, description="Trust level at least (0-4).")
    max_trust_level: int | None = strawberry.field(default=None, description="Trust level at most (0-4).")
    stages: list[UserStatus] = strawberry.field(default_factory=list, description="Lifecycle stages, any of.")
    joined_after: date | None = strawberry.field(default=None, description="Joined on or after (community day).")
    joined_before: date | None = strawberry.field(default=None, description="Joined on or before (community day).")
    active_within_days: int | None = strawberry.field(default=None, description="Active within the last N days.")
    space_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Watching topics in these spaces."
    )
    min_events_attended: int | None = strawberry.field(default=None, description="Events checked in at, at least.")

    def to_domain(self) -> domain.Criteria:
        return domain.Criteria(
            interest_tags=list(self.interest_tags),
            tier_ids=[parse_id(i, "Tier", "tierIds") for i in self.tier_ids],
            min_trust_level=self.min_trust_level,
            max_trust_level=self.max_trust_level,
            stages=[UserStatus(s).value for s in self.stages],
            joined_after=self.joined_after,
            joined_before=self.joined_before,
            active_within_days=self.active_within_days,
            space_ids=[parse_id(i, "Space", "spaceIds") for i in self.space_ids],
            min_events_attended=self.min_events_attended,
        )


@strawberry.input(description="Save a segment: a new one, or replace one (with `segmentId`).")
class SaveSegmentInput:
    name: str = strawberry.field(description="Unique name, at most 100 characters.")
    criteria: SegmentCriteriaInput = strawberry.field(description="Who it selects.")
    description: str = strawberry.field(default="", description="What it is for.")
    segment_id: strawberry.ID | None = strawberry.field(default=None, description="The segment to replace.")


@strawberry.input(description="The segment to delete (members are untouched).")
class DeleteSegmentInput:
    segment_id: strawberry.ID = strawberry.field(description="Global id of the segment.")


@strawberry.type(description="Result of `saveSegment`.")
class SaveSegmentPayload(Payload):
    segment: Segment | None = strawberry.field(default=None, description="The segment, as saved.")


@strawberry.type(description="Result of `deleteSegment`.")
class DeleteSegmentPayload(Payload):
    deleted: bool = strawberry.field(default=False, description="Whether it was deleted.")


@strawberry.type
class Query:
    @strawberry.field(description="Saved segments (staff only).")
    async def segments(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Segment]:
        query = (await visible(models.Segment, info.context.viewer, info.context.memo)).order_by("name", "id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(
        description="Members in a saved segment now, newest first; `totalCount` is its size (staff only)."
    )
    async def segment_members(
        self,
        info: Info,
        segment_id: Annotated[strawberry.ID, strawberry.argument(description="The segment.")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        query = await domain.segment_members(
            info.context.viewer, parse_id(segment_id, "Segment", "segmentId"), settings=info.context.settings
        )
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Save a segment of members (staff).")
    @guard(Require.MODERATOR)
    async def save_segment(
        self, info: Info, input: Annotated[SaveSegmentInput, strawberry.argument(description="The segment.")]
    ) -> SaveSegmentPayload:
        segment_id = None if input.segment_id is None else parse_id(input.segment_id, "Segment", "segmentId")
        segment = await domain.save_segment(
            info.context.viewer,
            segment_id,
            input.name,
            input.description,
            input.criteria.to_domain(),
            settings=info.context.settings,
        )
        return SaveSegmentPayload(segment=segment)

    @strawberry.mutation(description="Delete a saved segment (staff).")
    @guard(Require.MODERATOR)
    async def delete_segment(
        self, info: Info, input: Annotated[DeleteSegmentInput, strawberry.argument(description="The segment.")]
    ) -> DeleteSegmentPayload:
        return DeleteSegmentPayload(
            deleted=await domain.delete_segment(info.context.viewer, parse_id(input.segment_id, "Segment", "segmentId"))
        )
