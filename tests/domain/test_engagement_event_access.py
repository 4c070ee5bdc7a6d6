"""Events without GraphQL: visibility (public, members, committee) decides who sees an event and
may sign up; only members with a place, the organiser and staff see the meeting link; recurring events and
events proposed by members."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.domain.engagement import events
from api.domain.engagement.access import can_see_meeting_link
from api.errors import Invalid, NotFound
from api.models.engagement import Event, EventVisibility, Rsvp
from api.policy import can_view, visible
from api.timeutil import now
from tests.domain.governance_helpers import committee_with


async def _event(mod, settings, **fields):
    start = fields.pop("start", now() + timedelta(days=2))
    return await events.create_event(
        mod,
        events.EventInput(
            title=fields.pop("title", "Call"),
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            online=True,
            url="https://meet.example.org/x",
            **fields,
        ),
        settings=settings,
    )


async def test_visibility_decides_who_sees_and_signs_up(factory, app_settings):
    _, _chair, people, committee = await committee_with(factory, app_settings, members=1)
    mod, outsider = await factory.user(role="MODERATOR"), await factory.user()
    public = await _event(mod, app_settings, title="Open call")
    members = await _event(mod, app_settings, title="Members call", visibility=EventVisibility.MEMBERS)
    board = await _event(
        mod, app_settings, title="Board call", visibility=EventVisibility.COMMITTEE, committee_id=committee.id
    )
    with pytest.raises(Invalid):
        await _event(mod, app_settings, visibility=EventVisibility.COMMITTEE)
    with pytest.raises(NotFound):
        await _event(mod, app_settings, visibility=EventVisibility.COMMITTEE, committee_id=9999)

    async def titles(viewer):
        return sorted(await (await visible(Event, viewer, {})).values_list("title", flat=True))

    assert await titles(None) == ["Open call"]
    assert await titles(outsider) == ["Members call", "Open call"]
    assert await titles(people[0]) == await titles(mod) == ["Board call", "Members call", "Open call"]
    for viewer in (None, outsider, people[0], mod):  # the row filter agrees with the scope
        rows = [public, members, board]
        shown = sorted([e.title for e in rows if await can_view(viewer, e)])
        assert shown == await titles(viewer)
    with pytest.raises(NotFound):
        await events.rsvp(outsider, board.id)
    await events.rsvp(people[0], board.id)


async def test_only_members_with_a_place_see_the_meeting_link(factory, app_settings):
    mod = await factory.user(role="MODERATOR")
    event = await _event(mod, app_settings, capacity=1)
    going, waiting, onlooker = await factory.user(), await factory.user(), await factory.user()
    first = await events.rsvp(going, event.id)
    second = await events.rsvp(waiting, event.id)
    assert can_see_meeting_link(going, event, first)
    assert not can_see_meeting_link(waiting, event, second)  # waitlisted: no place yet
    assert not can_see_meeting_link(onlooker, event, None) and not can_see_meeting_link(None, event, None)
    assert can_see_meeting_link(mod, event, None)
    assert not can_see_meeting_link(onlooker, event, first)  # someone else's place does not count


async def test_a_recurring_event_has_one_occurrence_per_date_each_with_its_own_sign_ups(factory, app_settings):
    mod, member = await factory.user(role="MODERATOR"), await factory.user()
    start = now() + timedelta(days=1)
    first = await events.create_event(
        mod,
        events.EventInput(
            title="Weekly study group",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            location="Library",
            capacity=5,
            signup_deadline=start - timedelta(hours=1),
            recurrence="FREQ=WEEKLY;COUNT=4",
        ),
        settings=app_settings,
    )
    series = list(await Event.filter(series_id=first.id).order_by("starts_at"))
    assert [e.starts_at for e in series] == [start + timedelta(weeks=i) for i in range(4)]
    assert all(e.ends_at - e.starts_at == timedelta(hours=2) for e in series)
    assert all(e.starts_at - e.signup_deadline == timedelta(hours=1) for e in series)
    assert len({e.check_in_code for e in series}) == 4 and series[0].id == first.id
    await events.rsvp(member, series[2].id)  # the third week only
    assert await Rsvp.filter(user_id=member.id).values_list("event_id", flat=True) == [series[2].id]
    for bad in ("FREQ=WEEKLY", "FREQ=DAILY;COUNT=60", "FREQ=NOPE;COUNT=2"):
        with pytest.raises(Invalid) as error:
            await events.create_event(
                mod,
                events.EventInput(
                    title="x", starts_at=start, ends_at=start + timedelta(hours=1), location="y", recurrence=bad
                ),
                settings=app_settings,
            )
        assert error.value.field == "recurrence"
    with pytest.raises(Invalid):
        await events.update_event(
            mod, first.id, events.EventInput(recurrence="FREQ=DAILY;COUNT=2"), settings=app_settings
        )


async def test_trusted_members_propose_events_that_staff_approve(factory, app_settings):
    from api.domain.moderation import premoderation
    from api.errors import Forbidden
    from api.models.moderation import ReviewItem

    moderator = await factory.user(role="MODERATOR")
    newcomer, trusted, onlooker = await factory.user(), await factory.user(), await factory.user()
    await type(trusted).filter(id=trusted.id).update(trust_level=app_settings.event_propose_min_trust_level)
    trusted = await type(trusted).get(id=trusted.id)
    start = now() + timedelta(days=3)
    data = events.EventInput(
        title="Board game night",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        location="Café",
        recurrence="FREQ=MONTHLY;COUNT=2",
    )
    with pytest.raises(Forbidden):
        await events.create_event(newcomer, data, settings=app_settings)
    assert await Event.all().count() == 0
    proposed = await events.create_event(trusted, data, settings=app_settings)
    series = list(await Event.filter(series_id=proposed.id))
    assert len(series) == 2 and all(e.held for e in series)
    assert not await can_view(onlooker, proposed) and await can_view(trusted, proposed)
    assert await can_view(moderator, proposed)
    with pytest.raises(NotFound):
        await events.rsvp(onlooker, proposed.id)
    item = await ReviewItem.get(subject_type="CommunityEvent", subject_id=proposed.id)
    assert item.held
    await premoderation.approve_held(moderator, item.id)
    assert not any(e.held for e in await Event.filter(series_id=proposed.id))
    assert await can_view(onlooker, await Event.get(id=proposed.id))
    await events.rsvp(onlooker, proposed.id)

    rejected = await events.create_event(trusted, data, settings=app_settings)
    item = await ReviewItem.get(subject_type="CommunityEvent", subject_id=rejected.id)
    await premoderation.reject_held(moderator, item.id, "Not this month.", settings=app_settings)
    assert await Event.filter(series_id=rejected.id, deleted_at__isnull=True).count() == 0
