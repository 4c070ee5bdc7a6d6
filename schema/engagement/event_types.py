"""Types of community events, sign-ups and lotteries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from api.db import fetch_all
from api.domain.engagement.access import can_see_meeting_link
from api.domain.engagement.lotteries import verify
from api.models import engagement as models
from api.policies import is_staff
from api.policy import visible
from schema.accounts import User
from schema.context import Info
from schema.engagement.access import load_user
from schema.engagement.enums import EligibleSet, EventVisibility, LotteryStatus, RsvpStatus
from schema.relay import After, Before, Connection, First, Last, ModelNode, node_global_id, paginate

if TYPE_CHECKING:
    from schema.growth.share import OpenGraph


async def _counts_of(info: Info, event: models.Event) -> tuple[int, int, int]:
    """(going, waitlisted, attended) of an event, batched over the events of the request."""
    return await info.context.loaders.custom("engagement.rsvp_counts", _rsvp_counts).load(event.id)


async def _viewer_rsvp(info: Info, event: models.Event) -> models.Rsvp | None:
    """The viewer's sign-up to an event, batched over the events of the request."""
    viewer = info.context.viewer
    if viewer is None:
        return None

    async def batch(event_ids: list[int]) -> list:
        rows = {r.event_id: r for r in await models.Rsvp.filter(event_id__in=event_ids, user_id=viewer.id)}
        return [rows.get(i) for i in event_ids]

    return await info.context.loaders.custom("engagement.viewer_rsvp", batch).load(event.id)


async def _winners_of(info: Info, lottery: models.Lottery) -> list[models.LotteryWinner]:
    return await info.context.loaders.many(models.LotteryWinner, "lottery_id", order_by=("rank",)).load(lottery.id)


@strawberry.type(description="A community event, online or offline.")
class CommunityEvent(ModelNode):
    model = models.Event

    id: relay.NodeID[int]

    @strawberry.field(description="Open Graph share card; null unless anonymous visitors may read it.")
    async def og(self, info: Info) -> Annotated[OpenGraph, strawberry.lazy("schema.growth.share")] | None:
        from schema.growth.share import og_of

        return await og_of(info, self, "CommunityEvent")

    title: str = strawberry.field(description="Title.")
    description: str = strawberry.field(description="Details (Markdown).")
    starts_at: datetime = strawberry.field(description="Start.")
    ends_at: datetime = strawberry.field(description="End.")
    online: bool = strawberry.field(description="Online (see `url`) or offline (see `location`).")
    location: str = strawberry.field(description="Where it takes place, for offline events.")
    visibility: EventVisibility = strawberry.field(description="Who sees the event.")
    recurrence: str = strawberry.field(description="The RRULE of its series (empty for a one-off event).")
    held: bool = strawberry.field(
        description="Proposed by a member and waiting for staff approval (only its "
        "organiser and staff see it meanwhile)."
    )

    @strawberry.field(description="Global id of the first occurrence of its series (null for a one-off event).")
    def series_id(self) -> strawberry.ID | None:
        if self.series_id is None:
            return None
        return strawberry.ID(node_global_id("CommunityEvent", self.series_id))

    capacity: int | None = strawberry.field(description="Places; null: unlimited.")
    signup_deadline: datetime | None = strawberry.field(description="Sign-ups close then (null: at the start).")
    signup_opens_at: datetime | None = strawberry.field(
        description="Sign-ups open then (null: now); members of tiers with early sign-up hours may sign up earlier."
    )
    attendance_points: int | None = strawberry.field(
        description="Points for attending; null: the event_attendance rule."
    )
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled, if it was.")
    created_at: datetime = strawberry.field(description="When it was announced.")

    @strawberry.field(
        description="Where to join, for online events: shown to its organiser, staff and members "
        "with a place (null to others)."
    )
    async def url(self, info: Info) -> str | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        rsvp = await _viewer_rsvp(info, self)
        return self.url if can_see_meeting_link(viewer, self, rsvp) else None

    @strawberry.field(description="Global id of the committee whose members see it (COMMITTEE visibility).")
    def committee_id(self) -> strawberry.ID | None:
        if self.committee_id is None:
            return None
        return strawberry.ID(node_global_id("Committee", self.committee_id))

    @strawberry.field(description="Global id of the lowest tier whose members see it (TIER visibility).")
    def min_tier_id(self) -> strawberry.ID | None:
        if self.min_tier_id is None:
            return None
        return strawberry.ID(node_global_id("Tier", self.min_tier_id))

    @strawberry.field(description="The organiser.")
    @staticmethod
    async def organiser(root: strawberry.Parent[models.Event], info: Info) -> User | None:
        return await load_user(info, root.organiser_id)

    @strawberry.field(description="The check-in code to show at the event; only organisers and staff see it.")
    @staticmethod
    def check_in_code(root: strawberry.Parent[models.Event], info: Info) -> str | None:
        viewer = info.context.viewer
        if viewer is None or not (viewer.id == root.organiser_id or is_staff(viewer)):
            return None
        return root.check_in_code

    @strawberry.field(description="Members with a place.")
    async def going_count(self, info: Info) -> int:
        return (await _counts_of(info, self))[0]

    @strawberry.field(description="Members on the waitlist.")
    async def waitlist_count(self, info: Info) -> int:
        return (await _counts_of(info, self))[1]

    @strawberry.field(description="Members who checked in.")
    async def attended_count(self, info: Info) -> int:
        return (await _counts_of(info, self))[2]

    @strawberry.field(description="The viewer's sign-up, if any.")
    @staticmethod
    async def viewer_rsvp(root: strawberry.Parent[models.Event], info: Info) -> EventRsvp | None:
        if info.context.viewer is None:
            return None
        return await _viewer_rsvp(info, root)

    @strawberry.field(description="Sign-ups in queue order, for one event at a time (members only).")
    @staticmethod
    async def rsvps(
        root: strawberry.Parent[models.Event],
        info: Info,
        status: Annotated[RsvpStatus | None, strawberry.argument(description="Only sign-ups in this state.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[EventRsvp]:
        query = (
            (await visible(models.Rsvp, info.context.viewer, info.context.memo))
            .filter(event_id=root.id)
            .order_by("queued_at", "id")
        )
        if status is not None:
            query = query.filter(status=status)
        return await paginate(info, query, first=first, after=after, last=last, before=before)


async def _rsvp_counts(event_ids: list[int]) -> list[tuple[int, int, int]]:
    marks = ", ".join("?" for _ in event_ids)
    rows = await fetch_all(
        "SELECT event_id, "
        "SUM(CASE WHEN status = 'GOING' THEN 1 ELSE 0 END) AS going, "
        "SUM(CASE WHEN status = 'WAITLISTED' THEN 1 ELSE 0 END) AS waiting, "
        "SUM(CASE WHEN checked_in_at IS NOT NULL THEN 1 ELSE 0 END) AS attended "
        f"FROM engagement_rsvps WHERE event_id IN ({marks}) GROUP BY event_id",
        event_ids,
    )
    counts = {r["event_id"]: (int(r["going"]), int(r["waiting"]), int(r["attended"])) for r in rows}
    return [counts.get(i, (0, 0, 0)) for i in event_ids]


@strawberry.type(description="A member's sign-up to an event.")
class EventRsvp(ModelNode):
    model = models.Rsvp

    id: relay.NodeID[int]
    status: RsvpStatus = strawberry.field(description="Going, waitlisted or cancelled.")
    queued_at: datetime = strawberry.field(description="When the member (re)joined: the waitlist order.")
    checked_in_at: datetime | None = strawberry.field(description="When the member checked in at the event.")

    @strawberry.field(description="The member.")
    @staticmethod
    async def user(root: strawberry.Parent[models.Rsvp], info: Info) -> User | None:
        return await load_user(info, root.user_id)

    @strawberry.field(description="The event.")
    @staticmethod
    async def event(root: strawberry.Parent[models.Rsvp], info: Info) -> CommunityEvent:
        return await info.context.loaders.by_id(models.Event).load(root.event_id)


@strawberry.type(description="A winner of a lottery.")
class LotteryWinner:
    rank: int = strawberry.field(description="1-based draw order.")
    prize: str = strawberry.field(description="The prize of this rank, if prizes were listed.")
    user_id: strawberry.Private[int]

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await load_user(info, self.user_id)


@strawberry.type(
    description="A verifiable draw (抽奖). Entrants gather while OPEN; the freeze fixes the entrant "
    "list (public from then on), draws the seed and publishes `entrantsHash` = "
    "sha256 of the sorted ids joined by commas and `commitment` = sha256(seed + ':' + "
    "entrantsHash); the draw reveals the seed, and winners follow from it and the list "
    "(see `algorithm`)."
)
class Lottery(ModelNode):
    model = models.Lottery

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title.")
    description: str = strawberry.field(description="Details.")
    status: LotteryStatus = strawberry.field(description="Open, frozen, drawn or cancelled.")
    eligible_set: EligibleSet = strawberry.field(description="Who may win.")
    min_streak: int | None = strawberry.field(description="For CHECK_IN_STREAK: the streak needed.")
    winner_count: int = strawberry.field(description="How many winners are drawn.")
    prizes: list[str] = strawberry.field(description="Prize of each rank, in order.")
    self_entry: bool = strawberry.field(description="Whether members may enter themselves (hand-made lists).")
    entry_cost: int = strawberry.field(description="Points an entry costs (0: free).")
    commitment: str | None = strawberry.field(
        description="sha256 (hex) of `seed:entrantsHash`, published at the freeze (null before)."
    )
    entrants_hash: str | None = strawberry.field(
        description="sha256 (hex) of the frozen sorted entrant ids joined by commas (null before the freeze)."
    )
    created_at: datetime = strawberry.field(description="When it opened.")
    frozen_at: datetime | None = strawberry.field(description="When the entrant list was frozen.")
    drawn_at: datetime | None = strawberry.field(description="When it was drawn.")

    @strawberry.field(description="How winners are derived; anyone can recompute them.")
    def algorithm(self) -> str:
        return (
            "remaining = sorted(eligibleUserIds as integers); for rank in 1..min(winnerCount, len): "
            "h = int(sha256(seed + ':' + str(rank)), 16); winner = remaining.pop(h mod len(remaining))."
        )

    @strawberry.field(description="The random seed, revealed at the draw (null before).")
    @staticmethod
    def seed(root: strawberry.Parent[models.Lottery]) -> str | None:
        return root.seed if root.status == models.LotteryStatus.DRAWN else None

    @strawberry.field(
        description="Database ids of the frozen entrants, sorted (empty before the freeze); "
        "banned and inactive members are left out at the freeze."
    )
    @staticmethod
    def eligible_user_ids(root: strawberry.Parent[models.Lottery]) -> list[int]:
        frozen = (models.LotteryStatus.FROZEN, models.LotteryStatus.DRAWN)
        return list(root.eligible_user_ids) if root.status in frozen else []

    @strawberry.field(description="The event whose attendees are eligible (EVENT_ATTENDEES).")
    @staticmethod
    async def event(root: strawberry.Parent[models.Lottery], info: Info) -> CommunityEvent | None:
        if root.event_id is None:
            return None
        return await info.context.loaders.by_id(models.Event).load(root.event_id)

    @strawberry.field(description="Global id of the survey whose respondents are eligible (SURVEY_RESPONDENTS).")
    @staticmethod
    def survey_id(root: strawberry.Parent[models.Lottery]) -> strawberry.ID | None:
        if root.survey_id is None:
            return None
        return strawberry.ID(node_global_id("Survey", root.survey_id))

    @strawberry.field(description="The winners in rank order (empty before the draw).")
    async def winners(self, info: Info) -> list[LotteryWinner]:
        rows = await _winners_of(info, self)
        return [LotteryWinner(rank=r.rank, prize=r.prize, user_id=r.user_id) for r in rows]

    @strawberry.field(
        description="Whether the revealed list and seed match the commitment and the winners "
        "follow from them (null before the draw)."
    )
    @staticmethod
    async def verified(root: strawberry.Parent[models.Lottery], info: Info) -> bool | None:
        if root.status != models.LotteryStatus.DRAWN:
            return None
        lottery: models.Lottery = root
        rows = await _winners_of(info, lottery)
        return verify(
            lottery.seed or "",
            list(lottery.eligible_user_ids),
            lottery.entrants_hash or "",
            lottery.commitment or "",
            lottery.winner_count,
            [r.user_id for r in rows],
        ).valid
