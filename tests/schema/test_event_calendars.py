"""iCalendar feeds over HTTP, parsed back with `icalendar`: the public feed lists public events
without meeting links; a member's feed (address from `eventCalendarFeedPath`) lists their sign-ups,
with the link where they have a place; a wrong token is refused."""

from __future__ import annotations

from datetime import timedelta

import icalendar

from api.domain.engagement import calendar, events
from api.models.engagement import EventVisibility
from api.timeutil import now

FEED_PATH = "query { eventCalendarFeedPath }"


async def _event(mod, settings, title, **fields):
    start = now() + timedelta(days=2)
    return await events.create_event(
        mod,
        events.EventInput(title=title, starts_at=start, ends_at=start + timedelta(hours=1), **fields),
        settings=settings,
    )


def _parse(body: bytes) -> dict[str, icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(body)
    return {str(e["summary"]): e for e in parsed.walk("VEVENT")}


async def test_public_and_member_feeds_parse_back(client, gql, factory, app_settings):
    mod = await factory.user(role="MODERATOR")
    public = await _event(
        mod, app_settings, "Open call", online=True, url="https://meet.example.org/open", description="All welcome."
    )
    await _event(mod, app_settings, "Members dinner", location="Café", visibility=EventVisibility.MEMBERS)
    full = await _event(mod, app_settings, "Small workshop", location="Lab", capacity=1)
    member, token = await factory.member_with_token()
    other = await factory.user()
    await events.rsvp(other, full.id)
    await events.rsvp(member, public.id)
    await events.rsvp(member, full.id)  # waitlisted

    response = await client.get("/calendar/events.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    feed = _parse(response.content)
    assert set(feed) == {"Open call", "Small workshop"}  # the members' dinner is not public
    assert "url" not in feed["Open call"] and str(feed["Open call"]["description"]) == "All welcome."
    assert feed["Open call"].decoded("dtstart") == public.starts_at.replace(microsecond=0)  # seconds in iCalendar

    path = (await gql(FEED_PATH, token=token))["eventCalendarFeedPath"]
    assert path == calendar.feed_path(app_settings, member.id)
    mine = _parse((await client.get(path)).content)
    assert set(mine) == {"Open call", "Small workshop"}
    assert str(mine["Open call"]["url"]) == "https://meet.example.org/open"  # a place: the link
    assert "url" not in mine["Small workshop"]
    assert (await client.get(f"/calendar/members/{member.id}/{'0' * 40}.ics")).status_code == 404
    assert (await client.get(path.replace(f"/{member.id}/", f"/{other.id}/"))).status_code == 404
    assert (await gql(FEED_PATH))["eventCalendarFeedPath"] is None
