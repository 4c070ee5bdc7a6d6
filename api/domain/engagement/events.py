"""Community events (online or offline): sign-ups with a capacity and a waitlist promoted in
order, a sign-up deadline, check-in by a per-event code or by organisers, attendance points.

Every change of an event's places runs with the event row locked, so two members never take
the last place and promotions happen exactly once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F, Q

from api.db import column
from api.domain.content import gate
from api.domain.content.events import ContentHeld, ContentRemoved, Submission
from api.domain.engagement import badges, points
from api.domain.engagement.common import clean_line, clean_text, stats_for
from api.domain.engagement.questions import EarlySignupHours, TierRank
from api.domain.notifications import notify_many
from api.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from api.events import decide, emit
from api.models.accounts import Committee, Role, User
from api.models.engagement import BadgeCriterion, Event, EventVisibility, MemberStats, Rsvp, RsvpStatus
from api.policies import is_staff, require_can_act, require_role
from api.policy import can_view
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

# Check-in opens this long before the start (people arrive early).
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_check_in_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


@dataclass
class EventInput:
    title: str | None = None
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    online: bool | None = None
    location: str | None = None
    url: str | None = None
    capacity: int | None = None
    signup_deadline: datetime | None = None
    attendance_points: int | None = None
    signup_opens_at: datetime | None = None
    visibility: EventVisibility | None = None
    committee_id: int | None = None
    min_tier_id: int | None = None  # for TIER visibility: a growth Tier's id
    recurrence: str | None = None  # an RFC 5545 RRULE (with COUNT or UNTIL), when creating


MAX_OCCURRENCES = 52


def occurrences(rule: str, starts_at: datetime) -> list[datetime]:
    """The start of every occurrence of an RRULE from `starts_at`, or `Invalid`."""
    from dateutil.rrule import rrulestr

    text = rule.strip().removeprefix("RRULE:")
    upper = text.upper()
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        raise Invalid("End the recurrence with COUNT or UNTIL.", field="recurrence")
    try:
        parsed = rrulestr(text, dtstart=starts_at)
    except (ValueError, TypeError) as exc:
        raise Invalid(f"Not a valid RRULE: {exc}.", field="recurrence") from None
    starts = []
    for start in parsed:
        starts.append(start.replace(microsecond=starts_at.microsecond))  # rrule works in whole seconds
        if len(starts) > MAX_OCCURRENCES:
            raise Invalid(f"A series has at most {MAX_OCCURRENCES} occurrences.", field="recurrence")
    if not starts:
        raise Invalid("This rule gives no occurrence.", field="recurrence")
    return starts


def _apply(event: Event, data: EventInput, settings: Settings, *, creating: bool) -> None:
    if creating or data.title is not None:
        event.title = clean_line(data.title, "title", settings.max_title_length)
    if data.description is not None:
        event.description = clean_text(data.description, "description", settings.max_body_length, required=False)
    if creating or data.starts_at is not None:
        if data.starts_at is None:
            raise Invalid("Give the start time.", field="startsAt")
        event.starts_at = data.starts_at
    if creating or data.ends_at is not None:
        if data.ends_at is None:
            raise Invalid("Give the end time.", field="endsAt")
        event.ends_at = data.ends_at
    if event.ends_at <= event.starts_at:
        raise Invalid("The event must end after it starts.", field="endsAt")
    if data.online is not None:
        event.online = data.online
    if data.location is not None:
        event.location = clean_text(data.location, "location", 300, required=False)
    if data.url is not None:
        url = clean_text(data.url, "url", 500, required=False)
        if url and not url.startswith(("https://", "http://")):
            raise Invalid("Use an http(s):// address.", field="url")
        event.url = url
    if event.online and not event.url:
        raise Invalid("An online event needs its address.", field="url")
    if not event.online and not event.location:
        raise Invalid("An offline event needs a location.", field="location")
    if data.capacity is not None:
        if data.capacity < 0:
            raise Invalid("Use 0 for no limit, or a positive capacity.", field="capacity")
        event.capacity = data.capacity or None
    if data.signup_deadline is not None:
        if data.signup_deadline > event.ends_at:
            raise Invalid("Sign-ups must close before the event ends.", field="signupDeadline")
        event.signup_deadline = data.signup_deadline
    if data.signup_opens_at is not None:
        if data.signup_opens_at >= (event.signup_deadline or event.starts_at):
            raise Invalid("Sign-ups must open before they close.", field="signupOpensAt")
        event.signup_opens_at = data.signup_opens_at
    if data.attendance_points is not None:
        if data.attendance_points < 0:
            raise Invalid("Points cannot be negative.", field="attendancePoints")
        event.attendance_points = data.attendance_points
    if data.visibility is not None:
        event.visibility = EventVisibility(data.visibility)
    if data.committee_id is not None:
        event.committee_id = data.committee_id
    if event.visibility == EventVisibility.COMMITTEE and event.committee_id is None:
        raise Invalid("Name the committee whose members see this event.", field="committeeId")
    if event.visibility != EventVisibility.COMMITTEE:
        event.committee_id = None
    if data.min_tier_id is not None:
        event.min_tier_id = data.min_tier_id
    if event.visibility == EventVisibility.TIER and event.min_tier_id is None:
        raise Invalid("Name the lowest tier whose members see this event.", field="minTierId")
    if event.visibility != EventVisibility.TIER:
        event.min_tier_id = None


async def _check_committee(event: Event) -> None:
    if event.committee_id is not None and not await Committee.filter(id=event.committee_id).exists():
        raise NotFound("No such committee.", field="committeeId")
    if event.min_tier_id is not None and await decide(TierRank(tier_id=event.min_tier_id)) is None:
        raise NotFound("No such tier.", field="minTierId")


async def may_propose(member: User, settings: Settings) -> bool:
    """Members propose events from EVENT_PROPOSE_MIN_TRUST_LEVEL, or holding a tier ranked at
    least EVENT_PROPOSE_MIN_TIER_RANK (when set)."""
    if member.trust_level >= settings.event_propose_min_trust_level:
        return True
    least = settings.event_propose_min_tier_rank
    if least is None:
        return False
    rank = await decide(TierRank(user_id=member.id))
    return rank is not None and rank >= least


async def create_event(actor: User | None, data: EventInput, *, settings: Settings) -> Event:
    """Staff create an event and organise it; members at EVENT_PROPOSE_MIN_TRUST_LEVEL (or
    EVENT_PROPOSE_MIN_TIER_RANK) propose one,
    held in the review queue until staff approve it (`publish_proposed`). With `recurrence`, one
    event per occurrence (each with its own sign-ups); the first is returned and names the series."""
    organiser = await require_can_act(actor)
    proposed = not is_staff(organiser)
    if proposed and not await may_propose(organiser, settings):
        tier = settings.event_propose_min_tier_rank
        raise Forbidden(
            f"Members propose events from trust level {settings.event_propose_min_trust_level}"
            + ("." if tier is None else f" or with a tier ranked {tier} or higher.")
        )
    event = Event(organiser_id=organiser.id, check_in_code=new_check_in_code(), held=proposed)
    _apply(event, data, settings, creating=True)
    await _check_committee(event)
    starts = occurrences(data.recurrence, event.starts_at) if data.recurrence else [event.starts_at]
    verdict = await _gate(organiser, event, data, settings, editing=False, holdable=True)
    event.held = proposed or bool(verdict.held)
    staff = organiser
    async with transaction():
        if data.recurrence:
            event.recurrence = data.recurrence.strip().removeprefix("RRULE:")
        await event.save()
        if len(starts) > 1 or data.recurrence:
            event.series_id = event.id
            await event.save(update_fields=["series_id"])
            shift = {
                name: getattr(event, name)
                for name in (
                    "title",
                    "description",
                    "online",
                    "location",
                    "url",
                    "capacity",
                    "attendance_points",
                    "organiser_id",
                    "visibility",
                    "committee_id",
                    "min_tier_id",
                    "series_id",
                    "recurrence",
                    "held",
                )
            }
            await Event.bulk_create(
                [
                    Event(
                        **shift,
                        starts_at=start,
                        ends_at=start + (event.ends_at - event.starts_at),
                        signup_deadline=None
                        if event.signup_deadline is None
                        else start - (event.starts_at - event.signup_deadline),
                        signup_opens_at=None
                        if event.signup_opens_at is None
                        else start - (event.starts_at - event.signup_opens_at),
                        check_in_code=new_check_in_code(),
                    )
                    for start in starts[1:]
                ]
            )
        await gate.announce(verdict, "CommunityEvent", event.id, staff.id)
        if event.held and not verdict.held:
            await emit(
                ContentHeld(
                    content_type="CommunityEvent",
                    content_id=event.id,
                    author_id=organiser.id,
                    reason="Proposed by a member: approve it to publish it.",
                )
            )
    return event


def _series_q(event_id: int) -> Q:
    return Q(Q(id=event_id), Q(series_id=event_id), join_type="OR")


async def publish_proposed(event_id: int, _moderator_id: int | None) -> None:
    """Approve a proposed event (and the rest of its series): it shows and takes sign-ups."""
    await Event.filter(_series_q(event_id), held=True).update(held=False)


async def delete_event(event_id: int, _moderator_id: int | None) -> None:
    """Moderation's delete: this event, and the rest of its series while it was never published."""
    moment = now()
    await Event.filter(id=event_id, deleted_at__isnull=True).update(deleted_at=moment)
    await Event.filter(series_id=event_id, held=True, deleted_at__isnull=True).update(deleted_at=moment)


async def _gate(
    author: User, event: Event, data: EventInput, settings: Settings, *, editing: bool, holdable: bool = False
) -> gate.Verdict:
    """The content gate over the texts written; censored texts are stored as shown."""
    written = {
        name: getattr(event, name)
        for name in ("title", "description", "location")
        if getattr(data, name, None) is not None
    }
    verdict = await gate.check(
        Submission(
            author=author,
            content_type="Event",
            texts=written,
            editing=editing,
            holdable=holdable,
            **gate.measure(written.get("description", "")),
        ),
        settings,
    )
    for name, text in written.items():
        setattr(event, name, verdict.text(name, text))
    return verdict


def _may_organise(actor: User, event: Event) -> bool:
    return event.organiser_id == actor.id or is_staff(actor)


async def _locked_event(event_id: int, viewer: User | None = None, *, check: bool = False) -> Event:
    """The event, locked; with `check`, NotFound unless `viewer` may see it (its read policy)."""
    event = await Event.filter(id=event_id).select_for_update().first()
    if event is None or (check and not await can_view(viewer, event)):
        raise NotFound("No such event.", field="eventId")
    return event


async def _going_count(event_id: int) -> int:
    return await Rsvp.filter(event_id=event_id, status=RsvpStatus.GOING).count()


async def _promote(event: Event) -> list[Rsvp]:
    """Fill free places from the waitlist, first come first served. Call with the event locked."""
    promoted: list[Rsvp] = []
    if event.capacity is None:
        free = None
    else:
        free = event.capacity - await _going_count(event.id)
        if free <= 0:
            return promoted
    waiting = Rsvp.filter(event_id=event.id, status=RsvpStatus.WAITLISTED).order_by("queued_at", "id")
    for rsvp in await (waiting if free is None else waiting.limit(free)):
        rsvp.status = RsvpStatus.GOING
        await rsvp.save(update_fields=["status"])
        promoted.append(rsvp)
    return promoted


async def _announce_promotions(event: Event, promoted: list[Rsvp]) -> None:
    if promoted:
        await notify_many(
            [rsvp.user_id for rsvp in promoted],
            "engagement.event_promoted",
            subject_type="Event",
            subject_id=event.id,
            message=f"A place freed up: you are going to “{event.title}”.",
        )


async def update_event(actor: User | None, event_id: int, data: EventInput, *, settings: Settings) -> Event:
    """Organisers change an event (one occurrence of a series); a larger capacity promotes from
    the waitlist."""
    member = require_role(actor, Role.MEMBER)
    if data.recurrence is not None:
        raise Invalid("A recurrence is set when creating; change occurrences one by one.", field="recurrence")
    async with transaction():
        event = await _locked_event(event_id)
        if not _may_organise(member, event):
            raise Forbidden("Only the organiser and staff may change this event.")
        before = (event.starts_at, event.ends_at, event.online, event.location, event.url)
        _apply(event, data, settings, creating=False)
        await _check_committee(event)
        verdict = await _gate(member, event, data, settings, editing=True)
        moved = before[0] != event.starts_at
        if moved:
            event.reminded_at = None  # remind again before the new start
        await event.save()
        await gate.announce(verdict, "CommunityEvent", event.id, member.id)
        promoted = await _promote(event)
        if before != (event.starts_at, event.ends_at, event.online, event.location, event.url):
            await _tell_attendees(
                event, "engagement.event_changed", member.id, f"“{event.title}” changed: {_when_where(event)}."
            )
    await _announce_promotions(event, promoted)
    return event


async def cancel_event(actor: User | None, event_id: int) -> Event:
    member = require_role(actor, Role.MEMBER)
    async with transaction():
        event = await _locked_event(event_id)
        if not _may_organise(member, event):
            raise Forbidden("Only the organiser and staff may cancel this event.")
        if event.cancelled_at is not None:
            raise Conflict("This event is already cancelled.", field="eventId")
        event.cancelled_at = now()
        await event.save(update_fields=["cancelled_at"])
        # In the cancelling transaction: the notices (and their mail) exist exactly when it does.
        await _tell_attendees(event, "engagement.event_cancelled", member.id, f"“{event.title}” is cancelled.")
    return event


async def remove_event(actor: User | None, event_id: int) -> None:
    """The organiser or staff delete an event: it disappears for everyone, with the rest of its
    series while that was never published (as moderation's delete). An event still to come that
    members signed up for is refused: it must be cancelled first, so that they are told."""
    member = require_role(actor, Role.MEMBER)
    async with transaction():
        event = await _locked_event(event_id, member, check=True)  # sign-ups lock it too
        if not _may_organise(member, event):
            raise Forbidden("Only the organiser and staff may delete this event.")
        if (
            event.cancelled_at is None
            and event.ends_at > now()
            and await Rsvp.filter(event_id=event.id).exclude(status=RsvpStatus.CANCELLED).exists()
        ):
            raise Conflict("Members signed up for this event: cancel it first, so that they are told.", field="eventId")
        await delete_event(event.id, member.id)
        await emit(ContentRemoved(content_type="CommunityEvent", content_id=event.id, author_id=event.organiser_id))


def _when_where(event: Event) -> str:
    where = event.url if event.online else event.location
    return f"{event.starts_at:%Y-%m-%d %H:%M} UTC, {where}"


async def _tell_attendees(event: Event, kind: str, actor_id: int | None, message: str) -> int:
    """Notify everyone who signed up (not the actor): a fixed number of queries however many."""
    attendees = await column(Rsvp.filter(event_id=event.id).exclude(status=RsvpStatus.CANCELLED), "user_id")
    await notify_many(attendees, kind, actor_id=actor_id, subject_type="Event", subject_id=event.id, message=message)
    return len(attendees)


async def remind_attendees(settings: Settings, *, moment: datetime | None = None) -> int:
    """Remind the RSVPs of events starting within EVENT_REMINDER_MINUTES. Each event is claimed
    by a conditional update in the transaction of its notices, so with several processes its
    attendees are reminded once (per start time). Returns how many events were reminded."""
    if not settings.event_reminder_minutes:
        return 0
    moment = moment or now()
    due = (
        await Event.filter(
            cancelled_at__isnull=True,
            deleted_at__isnull=True,
            held=False,
            reminded_at__isnull=True,
            starts_at__gt=moment,
            starts_at__lte=moment + timedelta(minutes=settings.event_reminder_minutes),
        )
        .order_by("starts_at", "id")
        .limit(200)
    )
    reminded = 0
    for event in due:
        async with transaction():
            if not await Event.filter(id=event.id, reminded_at__isnull=True).update(reminded_at=moment):
                continue  # another process has it
            await _tell_attendees(
                event, "engagement.event_reminder", None, f"“{event.title}” starts soon: {_when_where(event)}."
            )
            reminded += 1
    return reminded


async def event_reminders_job(settings: Settings) -> bool:
    """Background job: remind attendees of events about to start."""
    await remind_attendees(settings)
    return False


def _signups_open(event: Event, at: datetime, early_hours: int = 0) -> None:
    if event.cancelled_at is not None:
        raise Conflict("This event is cancelled.", field="eventId", code=ErrorCode.CLOSED)
    if event.signup_opens_at is not None and at < event.signup_opens_at - timedelta(hours=early_hours):
        opens = event.signup_opens_at - timedelta(hours=early_hours)
        raise Conflict(
            f"Sign-ups for you open at {opens.isoformat(timespec='minutes')}.", field="eventId", code=ErrorCode.CLOSED
        )
    deadline = event.signup_deadline or event.starts_at
    if at >= deadline:
        raise Conflict("Sign-ups for this event are closed.", field="eventId", code=ErrorCode.CLOSED)


async def rsvp(user: User, event_id: int, *, at: datetime | None = None) -> Rsvp:
    """Sign up: GOING while places are left, else WAITLISTED at the end of the queue."""
    at = at or now()
    early_hours = await decide(EarlySignupHours(user_id=user.id))  # a tier benefit
    async with transaction():
        event = await _locked_event(event_id, user, check=True)
        _signups_open(event, at, early_hours)
        current = await Rsvp.filter(event_id=event.id, user_id=user.id).first()
        if current is not None and current.status != RsvpStatus.CANCELLED:
            raise Conflict("You have already signed up.", field="eventId")
        full = event.capacity is not None and await _going_count(event.id) >= event.capacity
        status = RsvpStatus.WAITLISTED if full else RsvpStatus.GOING
        if current is None:
            current = await Rsvp.create(event_id=event.id, user_id=user.id, status=status, queued_at=at)
        else:  # signing up again goes to the back of the queue
            current.status, current.queued_at = status, at
            await current.save(update_fields=["status", "queued_at"])
    return current


async def cancel_rsvp(user: User, event_id: int, *, at: datetime | None = None) -> Rsvp:
    """Withdraw; a freed place goes to the first member of the waitlist."""
    at = at or now()
    async with transaction():
        event = await _locked_event(event_id)
        current = await Rsvp.filter(event_id=event.id, user_id=user.id).first()
        if current is None or current.status == RsvpStatus.CANCELLED:
            raise Conflict("You are not signed up.", field="eventId")
        if current.checked_in_at is not None:
            raise Conflict("You have already attended this event.", field="eventId")
        if at >= event.ends_at:
            raise Conflict("This event is over.", field="eventId", code=ErrorCode.CLOSED)
        current.status = RsvpStatus.CANCELLED
        await current.save(update_fields=["status"])
        promoted = await _promote(event) if event.cancelled_at is None else []
    await _announce_promotions(event, promoted)
    return current


async def _record_attendance(settings: Settings, event: Event, rsvp_row: Rsvp, by: User, at: datetime) -> Rsvp:
    if at < event.starts_at - CHECK_IN_OPENS_BEFORE or at > event.ends_at:
        raise Conflict(
            "Check-in is open from an hour before the start to the end.", field="eventId", code=ErrorCode.CLOSED
        )
    # Conditional update: a second (or concurrent) check-in changes nothing and is refused.
    marked = await Rsvp.filter(id=rsvp_row.id, checked_in_at__isnull=True).update(
        checked_in_at=at, checked_in_by_id=by.id
    )
    if not marked:
        raise Conflict("This member has already checked in.", field="eventId")
    rsvp_row.checked_in_at, rsvp_row.checked_in_by_id = at, by.id
    stats = await stats_for(rsvp_row.user_id)
    await MemberStats.filter(id=stats.id).update(events_attended=F("events_attended") + 1)
    await points.award(
        settings,
        rsvp_row.user_id,
        "event_attendance",
        amount=event.attendance_points,
        source_type="Event",
        source_id=event.id,
        dedupe_key=f"event_attendance:{event.id}:{rsvp_row.user_id}",
        at=at,
    )
    await badges.evaluate(rsvp_row.user_id, BadgeCriterion.EVENTS_ATTENDED)
    return rsvp_row


async def _attendee(event: Event, user_id: int) -> Rsvp:
    if event.cancelled_at is not None:
        raise Conflict("This event is cancelled.", field="eventId", code=ErrorCode.CLOSED)
    row = await Rsvp.filter(event_id=event.id, user_id=user_id, status=RsvpStatus.GOING).first()
    if row is None:
        raise Forbidden("Only members with a place can check in.", field="eventId")
    return row


async def check_in_with_code(
    user: User, event_id: int, code: str, *, at: datetime | None = None, settings: Settings
) -> Rsvp:
    """A member checks themself in with the code shown at the event."""
    event = await Event.filter(id=event_id).first()
    if event is None or not await can_view(user, event):
        raise NotFound("No such event.", field="eventId")
    row = await _attendee(event, user.id)
    if not secrets.compare_digest(code.strip().upper(), event.check_in_code):
        raise Invalid("Wrong check-in code.", field="code")
    return await _record_attendance(settings, event, row, user, at or now())


async def check_in_attendee(
    actor: User | None, event_id: int, user_id: int, *, at: datetime | None = None, settings: Settings
) -> Rsvp:
    """An organiser (or staff) checks a member in."""
    member = require_role(actor, Role.MEMBER)
    event = await Event.filter(id=event_id).first()
    if event is None:
        raise NotFound("No such event.", field="eventId")
    if not _may_organise(member, event):
        raise Forbidden("Only the organiser and staff may check members in.")
    row = await _attendee(event, user_id)
    return await _record_attendance(settings, event, row, member, at or now())
