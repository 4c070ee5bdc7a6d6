"""`notify_many` (review of issue 17): telling many members costs a fixed number of queries
(one preferences read, one INSERT of notifications, one of addresses, one of mail), honours each
member's mail preference as `notify` does, and never tells the actor."""

from __future__ import annotations

from datetime import timedelta

from api.domain.engagement import events
from api.domain.notifications import notify_many
from api.models.engagement import Rsvp, RsvpStatus
from api.models.mail import Delivery, MailOutbox, MailPreference
from api.models.notifications import Notification
from api.pubsub import MemoryBroker, set_broker, subscribe
from api.timeutil import now


async def _event(organiser, settings):
    start = now() + timedelta(days=2)
    data = events.EventInput(title="Meetup", starts_at=start, ends_at=start + timedelta(hours=2), location="Hall")
    return await events.create_event(organiser, data, settings=settings)


async def _cancel_costs(app_settings, factory, count_queries, attendees: int) -> int:
    organiser = await factory.user(role="MODERATOR")
    event = await _event(organiser, app_settings)
    members = [await factory.user() for _ in range(attendees)]
    await Rsvp.bulk_create(
        [Rsvp(event_id=event.id, user_id=m.id, status=RsvpStatus.GOING, queued_at=now()) for m in members]
    )
    with count_queries:
        await events.cancel_event(organiser, event.id)
    assert await Notification.filter(kind="engagement.event_cancelled", subject_id=event.id).count() == attendees
    # Cancellations are mailed at once by default.
    assert await MailOutbox.filter(template="notification", user_id__in=[m.id for m in members]).count() == attendees
    return count_queries.count


async def test_telling_50_attendees_costs_as_much_as_telling_2(app_settings, factory, count_queries):
    two = await _cancel_costs(app_settings, factory, count_queries, 2)
    fifty = await _cancel_costs(app_settings, factory, count_queries, 50)
    print(f"cancel_event queries: 2 attendees {two}, 50 attendees {fifty}")
    assert fifty == two, (two, fifty)
    assert fifty <= 12


async def test_preferences_actor_and_announcements(app_settings, factory):
    set_broker(MemoryBroker())
    actor, mailed, quiet, gone, unsubscribed = [await factory.user() for _ in range(5)]
    await MailPreference.create(user_id=quiet.id, kinds={"engagement.event_changed": Delivery.IN_APP.value})
    await MailPreference.create(user_id=unsubscribed.id, unsubscribed_at=now())
    async with subscribe(f"notifications:{mailed.id}") as stream:
        sent = await notify_many(
            [actor.id, mailed.id, quiet.id, unsubscribed.id, mailed.id],
            "engagement.event_changed",
            actor_id=actor.id,
            subject_type="Event",
            subject_id=7,
            message="It moved.",
            data={"why": "rain"},
        )
        message = await anext(aiter(stream))
    assert sent == 3
    notes = {n.user_id: n for n in await Notification.filter(kind="engagement.event_changed")}
    assert set(notes) == {mailed.id, quiet.id, unsubscribed.id}
    assert notes[mailed.id].data == {"why": "rain"} and notes[mailed.id].message == "It moved."
    mail = await MailOutbox.filter(template="notification").values_list("user_id", "context")
    assert [user_id for user_id, _ in mail] == [mailed.id]
    assert mail[0][1]["link"] == {"$page": "notifications_url", "id": notes[mailed.id].id}
    assert mail[0][1]["message"] == "It moved." and mail[0][1]["username"] == mailed.username
    assert message == {"id": notes[mailed.id].id}
    assert gone.id not in notes
