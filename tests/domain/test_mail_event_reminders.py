"""Event mail: RSVPs are reminded before the start (once, with several processes; again when
the start moves), and told when an event changes or is cancelled, by mail as they chose."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from api.domain.engagement import events
from api.domain.mail import worker
from api.domain.mail.preferences import PreferencesInput, set_preferences
from api.models.mail import Delivery
from api.models.notifications import Notification
from api.timeutil import now


async def _event(factory, settings, starts_in=timedelta(minutes=90)):
    organiser = await factory.user(role="MODERATOR", email="org@example.org")
    start = now() + starts_in
    event = await events.create_event(
        organiser,
        events.EventInput(title="Tea meetup", starts_at=start, ends_at=start + timedelta(hours=2), location="The Hall"),
        settings=settings,
    )
    ada = await factory.user(email="ada@example.org")
    bob = await factory.user(email="bob@example.org")
    await events.rsvp(ada, event.id)
    await events.rsvp(bob, event.id)
    await set_preferences(
        bob, PreferencesInput(kinds={"engagement.event_reminder": Delivery.IN_APP}), settings=settings
    )
    return organiser, event, ada, bob


async def test_attendees_are_reminded_once_before_the_start(mail_settings, smtp, factory):
    await _event(factory, mail_settings)
    assert await events.remind_attendees(mail_settings.replace(event_reminder_minutes=60)) == 0  # not yet
    counts = await asyncio.gather(*(events.remind_attendees(mail_settings) for _ in range(4)))
    assert sum(counts) == 1
    assert await events.remind_attendees(mail_settings, moment=now() + timedelta(minutes=10)) == 0
    assert await Notification.filter(kind="engagement.event_reminder").count() == 2  # both, in the app
    await worker.drain(mail_settings)
    [mail] = smtp.messages  # Bob chose the app only
    assert mail["To"] == "ada@example.org" and mail["Subject"].startswith("“Tea meetup” starts soon")
    assert "The Hall" in mail.get_body(("plain",)).get_content()


async def test_a_moved_event_is_announced_and_reminded_again(mail_settings, smtp, factory):
    organiser, event, _ada, _ = await _event(factory, mail_settings)
    assert await events.remind_attendees(mail_settings) == 1
    later = event.starts_at + timedelta(days=1)
    await events.update_event(
        organiser,
        event.id,
        events.EventInput(starts_at=later, ends_at=later + timedelta(hours=2)),
        settings=mail_settings,
    )
    await events.update_event(
        organiser, event.id, events.EventInput(description="Bring cups."), settings=mail_settings
    )  # nothing attendees need to know
    assert await Notification.filter(kind="engagement.event_changed").count() == 2
    assert await events.remind_attendees(mail_settings) == 0
    assert await events.remind_attendees(mail_settings, moment=later - timedelta(minutes=30)) == 1
    await worker.drain(mail_settings)
    subjects = [m["Subject"] for m in smtp.messages if m["To"] == "ada@example.org"]
    assert len(subjects) == 3 and subjects[1].startswith("“Tea meetup” changed")


async def test_a_cancelled_event_is_mailed_and_never_reminded(mail_settings, smtp, factory):
    organiser, event, _, _ = await _event(factory, mail_settings)
    await events.cancel_event(organiser, event.id)
    assert await events.remind_attendees(mail_settings) == 0
    await worker.drain(mail_settings)
    assert sorted(m["To"] for m in smtp.messages) == ["ada@example.org", "bob@example.org"]
    assert all(m["Subject"] == "“Tea meetup” is cancelled." for m in smtp.messages)
