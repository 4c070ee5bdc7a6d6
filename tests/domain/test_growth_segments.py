"""Segments (issue 17): saved criteria over members (interest tags, tier, trust level, stage,
join date, activity, spaces watched, events attended), staff only, always current."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.domain.engagement import points
from api.domain.growth import segments, tiers
from api.errors import Conflict, Forbidden, Invalid
from api.models.accounts import User, UserStatus
from api.models.engagement import Event, Rsvp, RsvpStatus
from api.models.forum import Space, SubscriptionLevel, Topic, TopicKind, TopicSubscription
from api.timeutil import local_day, now


async def _names(query) -> list[str]:
    return sorted(await query.values_list("username", flat=True))


async def test_criteria_select_the_right_members(app_settings, factory):
    admin = await factory.user("admin", role="ADMIN")
    li = await factory.user("li", interest_tags=["摄影", "Hiking"])
    ann = await factory.user("ann", interest_tags=["hiking"])
    bo = await factory.user("bo", interest_tags=["chess"])
    await User.filter(id=li.id).update(
        trust_level=3, created_at=datetime(2026, 1, 10, tzinfo=UTC), last_active_day=local_day(now(), "UTC")
    )
    await User.filter(id=ann.id).update(status=UserStatus.AT_RISK, created_at=datetime(2025, 6, 1, tzinfo=UTC))
    silver = await tiers.create_tier(
        admin, tiers.TierInput(name="Silver", rank=1, min_points=10), settings=app_settings
    )
    await points.grant(admin, bo.id, 20, "Seed", settings=app_settings)
    await tiers.recompute(app_settings)
    space = await Space.create(name="Photos", slug="photos")
    topic = await Topic.create(
        space=space, kind=TopicKind.DISCUSSION, author=li, title="t", body="b", last_activity_at=now()
    )
    await TopicSubscription.create(user=ann, topic=topic, level=SubscriptionLevel.WATCH)
    event = await Event.create(
        title="Walk",
        starts_at=now(),
        ends_at=now() + timedelta(hours=1),
        location="Park",
        check_in_code="ABC234",
        organiser=admin,
    )
    await Rsvp.create(event=event, user=bo, status=RsvpStatus.GOING, queued_at=now(), checked_in_at=now())

    async def match(**criteria) -> list[str]:
        return await _names(await segments.members_query(segments.check(segments.Criteria(**criteria)), app_settings))

    assert await match(interest_tags=["hiking"]) == ["ann", "li"]
    assert await match(interest_tags=["摄影"]) == ["li"]
    assert await match(tier_ids=[silver.id]) == ["bo"]
    assert await match(min_trust_level=3) == ["li"]
    assert await match(stages=["AT_RISK"]) == ["ann"]
    assert await match(joined_after=date(2026, 1, 1), joined_before=date(2026, 1, 31)) == ["li"]
    assert await match(active_within_days=7) == ["li"]
    assert await match(space_ids=[space.id]) == ["ann"]
    assert await match(min_events_attended=1) == ["bo"]
    assert await match(interest_tags=["hiking"], stages=["ACTIVE"]) == ["li"]


async def test_saved_segments_are_for_staff_and_checked(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    member = await factory.user(interest_tags=["go"])
    criteria = segments.Criteria(interest_tags=["Go"])
    with pytest.raises(Forbidden):
        await segments.save_segment(member, None, "Go players", "", criteria, settings=app_settings)
    with pytest.raises(Invalid):
        await segments.save_segment(mod, None, "Bad", "", segments.Criteria(stages=["GONE"]), settings=app_settings)
    saved = await segments.save_segment(mod, None, "Go players", "Who plays go", criteria, settings=app_settings)
    with pytest.raises(Conflict):
        await segments.save_segment(mod, None, "Go players", "", criteria, settings=app_settings)
    query = await segments.segment_members(mod, saved.id, settings=app_settings)
    assert await query.count() == 1
    with pytest.raises(Forbidden):
        await segments.segment_members(member, saved.id, settings=app_settings)
