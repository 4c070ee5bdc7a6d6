"""iCalendar (RFC 5545) feeds of events, written with the `icalendar` library.

- The public feed: the events anonymous visitors may see (the events' read policy with no viewer).
- A member's feed: the events they signed up for and may still see, with the meeting link where
  they have a place. Calendar apps cannot send a bearer token, so the feed's address carries a
  token: an HMAC of the member id under SIGNING_KEY (`feed_token`), checked in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import icalendar
from tortoise.queryset import QuerySet

from api.domain.engagement.access import can_see_meeting_link
from api.models.accounts import User
from api.models.engagement import Event, Rsvp, RsvpStatus
from api.policy import visible, visible_rows
from api.settings import Settings
from api.timeutil import now

FEED_LIMIT = 500  # events per feed: the most recent and upcoming ones
PAST_DAYS = 30  # how far back a feed reaches


def feed_token(settings: Settings, user_id: int) -> str:
    return hmac.new(settings.signing_key, f"calendar-feed:{user_id}".encode(), hashlib.sha256).hexdigest()[:40]


def feed_path(settings: Settings, user_id: int) -> str:
    return f"/calendar/members/{user_id}/{feed_token(settings, user_id)}.ics"


def to_ical(events: list[Event], *, name: str, links: set[int] = frozenset()) -> bytes:  # type: ignore[assignment]
    """A VCALENDAR with one VEVENT per event; `links`: ids of events whose meeting link to include."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Guildhall//Community events//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for event in events:
        entry = icalendar.Event()
        entry.add("uid", f"event-{event.id}@guildhall")
        entry.add("dtstamp", event.created_at)
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("summary", event.title)
        if event.description:
            entry.add("description", event.description)
        if event.location:
            entry.add("location", event.location)
        if event.url and event.id in links:
            entry.add("url", event.url)
        entry.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
        calendar.add_component(entry)
    return bytes(calendar.to_ical())


def _window(query: QuerySet[Event]) -> QuerySet[Event]:
    return query.filter(ends_at__gte=now() - timedelta(days=PAST_DAYS)).order_by("starts_at", "id").limit(FEED_LIMIT)


async def public_feed() -> bytes:
    events = list(await _window(await visible(Event, None)))
    return to_ical(events, name="Community events")


async def member_feed(settings: Settings, user_id: int, token: str) -> bytes | None:
    """The member's events, or None when the token does not match."""
    if not hmac.compare_digest(token, feed_token(settings, user_id)):
        return None
    member = await User.filter(id=user_id).first()
    if member is None:
        return None
    rsvps = {
        r.event_id: r for r in await Rsvp.filter(user_id=user_id, status__in=[RsvpStatus.GOING, RsvpStatus.WAITLISTED])
    }
    memo: dict[Any, Any] = {}
    events = await visible_rows(member, list(await _window(Event.filter(id__in=list(rsvps)))), memo)
    links = {e.id for e in events if can_see_meeting_link(member, e, rsvps.get(e.id))}
    return to_ical(events, name=f"{member.display_name or member.username}: my events", links=links)
