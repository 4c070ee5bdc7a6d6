"""Community events: capacity, waitlist promoted in order, deadline, check-in by code or by
organisers, duplicate check-ins, attendance points."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.domain.engagement import events, points
from api.errors import Conflict, Forbidden, Invalid
from api.models.engagement import MemberStats, Rsvp, RsvpStatus
from api.models.notifications import Notification
from api.timeutil import now


async def _event(organiser, settings, **fields):
    start = now() + timedelta(days=2)
    data = events.EventInput(
        **{
            "title": "Meetup",
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "location": "Library, room 2",
            **fields,
        }
    )
    return await events.create_event(organiser, data, settings=settings)


async def _statuses(event_id: int) -> list[tuple[int, str]]:
    return [(r.user_id, r.status.value) for r in await Rsvp.filter(event_id=event_id).order_by("queued_at", "id")]


async def test_capacity_then_waitlist_promoted_in_order(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    event = await _event(mod, app_settings, capacity=2)
    a, b, c, d = [await factory.user() for _ in range(4)]
    for member in (a, b, c, d):
        await events.rsvp(member, event.id)
    assert await _statuses(event.id) == [(a.id, "GOING"), (b.id, "GOING"), (c.id, "WAITLISTED"), (d.id, "WAITLISTED")]
    with pytest.raises(Conflict):
        await events.rsvp(a, event.id)
    await events.cancel_rsvp(a, event.id)
    assert dict(await _statuses(event.id)) == {a.id: "CANCELLED", b.id: "GOING", c.id: "GOING", d.id: "WAITLISTED"}
    assert await Notification.filter(user_id=c.id, kind="engagement.event_promoted").count() == 1
    # Signing up again goes to the back of the queue, behind d.
    await events.rsvp(a, event.id)
    await events.cancel_rsvp(b, event.id)
    assert dict(await _statuses(event.id))[d.id] == "GOING"
    assert dict(await _statuses(event.id))[a.id] == "WAITLISTED"
    # More places promote from the waitlist.
    await events.update_event(mod, event.id, events.EventInput(capacity=3), settings=app_settings)
    assert dict(await _statuses(event.id))[a.id] == "GOING"


async def test_concurrent_sign_ups_for_the_last_place(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    event = await _event(mod, app_settings, capacity=1)
    members = [await factory.user() for _ in range(10)]
    await asyncio.gather(*[events.rsvp(m, event.id) for m in members])
    statuses = [s for _, s in await _statuses(event.id)]
    assert statuses.count("GOING") == 1 and statuses.count("WAITLISTED") == 9


async def test_sign_ups_close_at_the_deadline_and_on_cancellation(app_settings, factory):
    mod, member = await factory.user(role="MODERATOR"), await factory.user()
    event = await _event(mod, app_settings, signup_deadline=now() + timedelta(days=1))
    with pytest.raises(Conflict) as closed:
        await events.rsvp(member, event.id, at=now() + timedelta(days=1, minutes=1))
    assert closed.value.code.value == "CLOSED"
    await events.rsvp(member, event.id)
    with pytest.raises(Forbidden):
        await events.cancel_event(member, event.id)
    await events.cancel_event(mod, event.id)
    with pytest.raises(Conflict):
        await events.rsvp(await factory.user(), event.id)
    assert await Notification.filter(user_id=member.id, kind="engagement.event_cancelled").count() == 1


async def test_validation_of_event_fields(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    with pytest.raises(Invalid) as empty:
        await _event(mod, app_settings, title="  ")
    assert empty.value.field == "title"
    with pytest.raises(Invalid):
        await _event(mod, app_settings, title="x" * (app_settings.max_title_length + 1))
    with pytest.raises(Invalid) as order:
        await _event(mod, app_settings, ends_at=now())
    assert order.value.field == "endsAt"
    with pytest.raises(Invalid) as online:
        await _event(mod, app_settings, online=True, location="")
    assert online.value.field == "url"
    with pytest.raises(Forbidden):
        await _event(await factory.user(), app_settings)


async def test_check_in_by_code_or_organiser_once_with_attendance_points(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    start = now() + timedelta(minutes=30)  # check-in opens an hour before the start
    event = await _event(
        mod, app_settings, starts_at=start, ends_at=start + timedelta(hours=2), capacity=2, attendance_points=15
    )
    a, b, waiting, stranger = [await factory.user() for _ in range(4)]
    for member in (a, b, waiting):
        await events.rsvp(member, event.id)
    with pytest.raises(Invalid) as wrong:
        await events.check_in_with_code(a, event.id, "WRONG1", settings=app_settings)
    assert wrong.value.field == "code"
    await events.check_in_with_code(a, event.id, event.check_in_code.lower(), settings=app_settings)
    with pytest.raises(Conflict):
        await events.check_in_with_code(a, event.id, event.check_in_code, settings=app_settings)
    with pytest.raises(Forbidden):  # waitlisted members have no place
        await events.check_in_with_code(waiting, event.id, event.check_in_code, settings=app_settings)
    with pytest.raises(Forbidden):  # only organisers check others in
        await events.check_in_attendee(stranger, event.id, b.id, settings=app_settings)
    await events.check_in_attendee(mod, event.id, b.id, settings=app_settings)
    with pytest.raises(Conflict):
        await events.check_in_attendee(mod, event.id, b.id, settings=app_settings)
    assert await points.balance(a.id) == 15 and await points.balance(b.id) == 15
    assert (await MemberStats.get(user_id=a.id)).events_attended == 1
    assert await Rsvp.filter(event_id=event.id, checked_in_at__isnull=False).count() == 2
    with pytest.raises(Conflict):  # attended members cannot withdraw
        await events.cancel_rsvp(a, event.id)


async def test_check_in_is_refused_outside_the_event(app_settings, factory):
    mod, member = await factory.user(role="MODERATOR"), await factory.user()
    event = await _event(mod, app_settings)  # starts in two days
    await events.rsvp(member, event.id)
    with pytest.raises(Conflict) as early:
        await events.check_in_with_code(member, event.id, event.check_in_code, settings=app_settings)
    assert early.value.code.value == "CLOSED"
    assert await Rsvp.filter(checked_in_at__isnull=False).count() == 0
    assert (await Rsvp.get(event_id=event.id, user_id=member.id)).status == RsvpStatus.GOING
