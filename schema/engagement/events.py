"""Community events (sign-ups, waitlist, check-in) and lotteries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.domain.engagement import calendar
from api.domain.engagement import events as events_domain
from api.domain.engagement import lotteries as lotteries_domain
from api.models import engagement as models
from api.policy import visible
from api.timeutil import now
from schema.accounts import Payload
from schema.context import Info
from schema.engagement.enums import INPUT, EligibleSet, EventVisibility, LotteryStatus
from schema.engagement.types import CommunityEvent, EventRsvp, Lottery
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, paginate, parse_id


@strawberry.type
class Query:
    @strawberry.field(description="Community events, soonest first.")
    async def community_events(
        self,
        info: Info,
        upcoming_only: Annotated[
            bool, strawberry.argument(description="Only events not yet over and not cancelled.")
        ] = True,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CommunityEvent]:
        query = (await visible(models.Event, info.context.viewer, info.context.memo)).order_by("starts_at", "id")
        if upcoming_only:
            query = query.filter(ends_at__gt=now(), cancelled_at__isnull=True)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Lotteries, newest first.")
    async def lotteries(
        self,
        info: Info,
        status: Annotated[LotteryStatus | None, strawberry.argument(description="Only in this state.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Lottery]:
        query = models.Lottery.all().order_by("-id")
        if status is not None:
            query = query.filter(status=status)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(
        description="Path of the viewer's private iCalendar feed of the events they signed up "
        "for (keep it secret: it needs no sign-in). The public feed is "
        "`/calendar/events.ics`. Null for anonymous visitors."
    )
    def event_calendar_feed_path(self, info: Info) -> str | None:
        viewer = info.context.viewer
        return None if viewer is None else calendar.feed_path(info.context.settings, viewer.id)

    @strawberry.field(
        description="Recompute a drawn lottery's winners from its revealed seed and frozen "
        "entrant list, and check both against the published commitment."
    )
    async def verify_lottery_draw(
        self,
        info: Info,
        lottery_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the lottery.")],
    ) -> LotteryVerification:
        lottery, check = await lotteries_domain.verify_draw(parse_id(lottery_id, "Lottery", "lotteryId"))
        return LotteryVerification(
            lottery=lottery,
            entrants_match=check.entrants_match,
            commitment_matches=check.commitment_matches,
            winners_match=check.winners_match,
            valid=check.valid,
            expected_winner_ids=check.expected_winner_ids,
        )


@strawberry.input(description="Fields of an event; omitted fields keep their value when updating.")
class EventFields:
    title: str | None = strawberry.field(default=None, description="Title (required when creating).")
    description: str | None = strawberry.field(default=None, description="Details (Markdown).")
    starts_at: datetime | None = strawberry.field(default=None, description="Start (required when creating).")
    ends_at: datetime | None = strawberry.field(default=None, description="End (required when creating).")
    online: bool | None = strawberry.field(
        default=None, description="Online (needs `url`) or offline (needs `location`)."
    )
    location: str | None = strawberry.field(default=None, description="Where, for offline events.")
    url: str | None = strawberry.field(default=None, description="Where to join, for online events.")
    capacity: int | None = strawberry.field(default=None, description="Places; 0 for unlimited.")
    signup_deadline: datetime | None = strawberry.field(default=None, description="Sign-ups close then.")
    signup_opens_at: datetime | None = strawberry.field(
        default=None, description="Sign-ups open then (tiers' early sign-up hours come first)."
    )
    attendance_points: int | None = strawberry.field(default=None, description="Points for attending.")
    visibility: EventVisibility | None = strawberry.field(
        default=None, description="Who sees it (default PUBLIC); the meeting link shows only to those with a place."
    )
    committee_id: strawberry.ID | None = strawberry.field(
        default=None, description="For COMMITTEE visibility: global id of the committee."
    )
    min_tier_id: strawberry.ID | None = strawberry.field(
        default=None, description="For TIER visibility: global id of the lowest tier whose members see it."
    )
    recurrence: str | None = strawberry.field(
        default=None,
        description="When creating: an RFC 5545 RRULE ending with COUNT or UNTIL (at most 52 "
        "occurrences), e.g. FREQ=WEEKLY;COUNT=4; each occurrence takes its own sign-ups.",
    )


def _event_input(data: EventFields) -> events_domain.EventInput:
    return events_domain.EventInput(
        title=data.title,
        description=data.description,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        online=data.online,
        location=data.location,
        url=data.url,
        capacity=data.capacity,
        signup_deadline=data.signup_deadline,
        attendance_points=data.attendance_points,
        signup_opens_at=data.signup_opens_at,
        visibility=None if data.visibility is None else models.EventVisibility(data.visibility),
        committee_id=parse_id(data.committee_id, "Committee", "committeeId") if data.committee_id else None,
        min_tier_id=parse_id(data.min_tier_id, "Tier", "minTierId") if data.min_tier_id else None,
        recurrence=data.recurrence,
    )


@strawberry.input(description="Announce an event.")
class CreateCommunityEventInput:
    event: EventFields = strawberry.field(description="Its fields.")


@strawberry.input(description="Change an event.")
class UpdateCommunityEventInput:
    event_id: strawberry.ID = strawberry.field(description="Global id of the event.")
    event: EventFields = strawberry.field(description="The fields to change.")


@strawberry.input(description="Refer to an event.")
class EventRefInput:
    event_id: strawberry.ID = strawberry.field(description="Global id of the event.")


@strawberry.type(description="Result of an event mutation.")
class CommunityEventPayload(Payload):
    event: CommunityEvent | None = strawberry.field(default=None, description="The event.")


@strawberry.type(description="Result of a sign-up or check-in mutation.")
class EventRsvpPayload(Payload):
    rsvp: EventRsvp | None = strawberry.field(default=None, description="The sign-up.")


@strawberry.input(description="Check in at an event with its code.")
class CheckInToEventInput:
    event_id: strawberry.ID = strawberry.field(description="Global id of the event.")
    code: str = strawberry.field(description="The code shown at the event.")


@strawberry.input(description="Check a member in at an event (organisers).")
class CheckInAttendeeInput:
    event_id: strawberry.ID = strawberry.field(description="Global id of the event.")
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")


@strawberry.input(description="Open a lottery.")
class CreateLotteryInput:
    title: str = strawberry.field(description="Title.")
    eligible_set: EligibleSet = strawberry.field(description="Who may win.")
    winner_count: int = strawberry.field(description="How many winners.")
    description: str = strawberry.field(default="", description="Details.")
    prizes: list[str] = strawberry.field(default_factory=list, description="Prize of each rank.")
    event_id: strawberry.ID | None = strawberry.field(default=None, description="For EVENT_ATTENDEES.")
    min_streak: int | None = strawberry.field(default=None, description="For CHECK_IN_STREAK.")
    survey_id: strawberry.ID | None = strawberry.field(default=None, description="For SURVEY_RESPONDENTS.")
    user_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="For LIST: the members.")
    self_entry: bool = strawberry.field(default=False, description="For LIST: members may enter themselves.")
    entry_cost: int = strawberry.field(default=0, description="Points a member pays to enter (0: free).")


@strawberry.type(description="Result of a lottery mutation.")
class LotteryPayload(Payload):
    lottery: Lottery | None = strawberry.field(default=None, description="The lottery.")


@strawberry.input(description="Add members to a hand-made lottery list.")
class AddLotteryEntrantsInput:
    lottery_id: strawberry.ID = strawberry.field(description="Global id of the lottery.")
    user_ids: list[strawberry.ID] = strawberry.field(description="Global ids of the members.")


@strawberry.input(description="Refer to a lottery.")
class LotteryRefInput:
    lottery_id: strawberry.ID = strawberry.field(description="Global id of the lottery.")


@strawberry.type(description="A drawn lottery checked from its public record alone.")
class LotteryVerification:
    lottery: Lottery = strawberry.field(description="The lottery.")
    entrants_match: bool = strawberry.field(description="The revealed entrant list hashes to `entrantsHash`.")
    commitment_matches: bool = strawberry.field(
        description="sha256(seed + ':' + entrantsHash) equals the commitment published at the freeze."
    )
    winners_match: bool = strawberry.field(description="The recorded winners follow from the seed and the list.")
    valid: bool = strawberry.field(description="All three hold.")
    expected_winner_ids: list[int] = strawberry.field(
        description="Database ids of the winners recomputed from the seed and the list, in rank order."
    )


@strawberry.type(description="Result of entering a lottery.")
class EnterLotteryPayload(Payload):
    lottery: Lottery | None = strawberry.field(default=None, description="The lottery entered.")


def _event_id(value: strawberry.ID) -> int:
    return parse_id(value, "CommunityEvent", "eventId")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Announce a community event (staff), or propose one (members at "
        "EVENT_PROPOSE_MIN_TRUST_LEVEL): held in the review queue until staff approve it."
    )
    @guard(Require.MEMBER)
    async def create_community_event(
        self,
        info: Info,
        input: Annotated[CreateCommunityEventInput, strawberry.argument(description=INPUT)],
    ) -> CommunityEventPayload:
        event = await events_domain.create_event(
            info.context.viewer, _event_input(input.event), settings=info.context.settings
        )
        return CommunityEventPayload(event=event)

    @strawberry.mutation(description="Change an event (its organiser or staff); more places promote the waitlist.")
    @guard(Require.MEMBER)
    async def update_community_event(
        self,
        info: Info,
        input: Annotated[UpdateCommunityEventInput, strawberry.argument(description=INPUT)],
    ) -> CommunityEventPayload:
        event = await events_domain.update_event(
            info.context.viewer, _event_id(input.event_id), _event_input(input.event), settings=info.context.settings
        )
        return CommunityEventPayload(event=event)

    @strawberry.mutation(description="Cancel an event (its organiser or staff); sign-ups are told.")
    @guard(Require.MEMBER)
    async def cancel_community_event(
        self,
        info: Info,
        input: Annotated[EventRefInput, strawberry.argument(description=INPUT)],
    ) -> CommunityEventPayload:
        event = await events_domain.cancel_event(info.context.viewer, _event_id(input.event_id))
        return CommunityEventPayload(event=event)

    @strawberry.mutation(
        description="Delete an event (its organiser or staff); one still to come with sign-ups must be cancelled first."
    )
    @guard(Require.MEMBER)
    async def delete_community_event(
        self,
        info: Info,
        input: Annotated[EventRefInput, strawberry.argument(description=INPUT)],
    ) -> CommunityEventPayload:
        await events_domain.remove_event(info.context.viewer, _event_id(input.event_id))
        return CommunityEventPayload(event=None)

    @strawberry.mutation(description="Sign up: a place while any is left, else the waitlist.")
    @guard(Require.MEMBER)
    async def rsvp_event(
        self,
        info: Info,
        input: Annotated[EventRefInput, strawberry.argument(description=INPUT)],
    ) -> EventRsvpPayload:
        return EventRsvpPayload(rsvp=await events_domain.rsvp(info.context.viewer, _event_id(input.event_id)))

    @strawberry.mutation(description="Withdraw a sign-up; the first on the waitlist takes the place.")
    @guard(Require.MEMBER)
    async def cancel_rsvp(
        self,
        info: Info,
        input: Annotated[EventRefInput, strawberry.argument(description=INPUT)],
    ) -> EventRsvpPayload:
        return EventRsvpPayload(rsvp=await events_domain.cancel_rsvp(info.context.viewer, _event_id(input.event_id)))

    @strawberry.mutation(description="Check in at an event with its code; attendance earns points.")
    @guard(Require.MEMBER)
    async def check_in_to_event(
        self,
        info: Info,
        input: Annotated[CheckInToEventInput, strawberry.argument(description=INPUT)],
    ) -> EventRsvpPayload:
        rsvp = await events_domain.check_in_with_code(
            info.context.viewer, _event_id(input.event_id), input.code, settings=info.context.settings
        )
        return EventRsvpPayload(rsvp=rsvp)

    @strawberry.mutation(description="Check a member in (the organiser or staff).")
    @guard(Require.MEMBER)
    async def check_in_attendee(
        self,
        info: Info,
        input: Annotated[CheckInAttendeeInput, strawberry.argument(description=INPUT)],
    ) -> EventRsvpPayload:
        rsvp = await events_domain.check_in_attendee(
            info.context.viewer,
            _event_id(input.event_id),
            parse_id(input.user_id, "User", "userId"),
            settings=info.context.settings,
        )
        return EventRsvpPayload(rsvp=rsvp)

    @strawberry.mutation(description="Open a lottery; its seed commitment is public at once (staff).")
    @guard(Require.MODERATOR)
    async def create_lottery(
        self,
        info: Info,
        input: Annotated[CreateLotteryInput, strawberry.argument(description=INPUT)],
    ) -> LotteryPayload:
        data = lotteries_domain.LotteryInput(
            title=input.title,
            eligible_set=models.EligibleSet(input.eligible_set),
            winner_count=input.winner_count,
            description=input.description,
            prizes=list(input.prizes),
            event_id=_event_id(input.event_id) if input.event_id else None,
            min_streak=input.min_streak,
            survey_id=parse_id(input.survey_id, "Survey", "surveyId") if input.survey_id else None,
            user_ids=[parse_id(u, "User", "userIds") for u in input.user_ids],
            self_entry=input.self_entry,
            entry_cost=input.entry_cost,
        )
        return LotteryPayload(
            lottery=await lotteries_domain.create_lottery(info.context.viewer, data, settings=info.context.settings)
        )

    @strawberry.mutation(description="Add members to a hand-made list while the lottery is open (staff).")
    @guard(Require.MODERATOR)
    async def add_lottery_entrants(
        self,
        info: Info,
        input: Annotated[AddLotteryEntrantsInput, strawberry.argument(description=INPUT)],
    ) -> LotteryPayload:
        lottery = await lotteries_domain.add_entrants(
            info.context.viewer,
            parse_id(input.lottery_id, "Lottery", "lotteryId"),
            [parse_id(u, "User", "userIds") for u in input.user_ids],
        )
        return LotteryPayload(lottery=lottery)

    @strawberry.mutation(description="Enter a lottery that lets members enter themselves, paying its entry cost.")
    @guard(Require.MEMBER)
    async def enter_lottery(
        self,
        info: Info,
        input: Annotated[LotteryRefInput, strawberry.argument(description=INPUT)],
    ) -> EnterLotteryPayload:
        entrant = await lotteries_domain.enter(
            info.context.viewer, parse_id(input.lottery_id, "Lottery", "lotteryId"), settings=info.context.settings
        )
        return EnterLotteryPayload(lottery=await models.Lottery.get(id=entrant.lottery_id))

    @strawberry.mutation(description="Freeze the entrant list and publish the commitment to it and the seed (staff).")
    @guard(Require.MODERATOR)
    async def freeze_lottery(
        self,
        info: Info,
        input: Annotated[LotteryRefInput, strawberry.argument(description=INPUT)],
    ) -> LotteryPayload:
        lottery = await lotteries_domain.freeze(
            info.context.viewer, parse_id(input.lottery_id, "Lottery", "lotteryId"), settings=info.context.settings
        )
        return LotteryPayload(lottery=lottery)

    @strawberry.mutation(description="Draw a frozen lottery: reveal the seed and record the winners (staff).")
    @guard(Require.MODERATOR)
    async def draw_lottery(
        self,
        info: Info,
        input: Annotated[LotteryRefInput, strawberry.argument(description=INPUT)],
    ) -> LotteryPayload:
        lottery = await lotteries_domain.draw(
            info.context.viewer, parse_id(input.lottery_id, "Lottery", "lotteryId"), settings=info.context.settings
        )
        return LotteryPayload(lottery=lottery)

    @strawberry.mutation(description="Cancel a lottery not yet drawn; paid entries are given back (staff).")
    @guard(Require.MODERATOR)
    async def cancel_lottery(
        self,
        info: Info,
        input: Annotated[LotteryRefInput, strawberry.argument(description=INPUT)],
    ) -> LotteryPayload:
        lottery = await lotteries_domain.cancel(
            info.context.viewer, parse_id(input.lottery_id, "Lottery", "lotteryId"), settings=info.context.settings
        )
        return LotteryPayload(lottery=lottery)
