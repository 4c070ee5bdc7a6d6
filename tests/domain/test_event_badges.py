"""Badges granted by any domain event (issue 17): a rule names a catalogue event and a count;
the generic observer counts what the member caused and awards once, with several processes too."""

from __future__ import annotations

import asyncio

import pytest

from api.domain.engagement import badges
from api.domain.forum.events import TopicCreated
from api.errors import Forbidden, Invalid
from api.events import emit
from api.models.engagement import Badge, BadgeAward, BadgeCriterion, BadgeTier, EventCount
from api.models.notifications import Notification


async def _badge(admin, settings, threshold=2, event_name="forum.topic_created"):
    return await badges.create_badge(
        admin,
        name=f"Starter {threshold}",
        tier=BadgeTier.BRONZE,
        criterion=BadgeCriterion.EVENT,
        threshold=threshold,
        event_name=event_name,
        settings=settings,
    )


async def test_an_event_badge_is_awarded_at_its_count(factory, app_settings):
    admin, member, other = await factory.user(role="ADMIN"), await factory.user(), await factory.user()
    badge = await _badge(admin, app_settings)
    assert badge.event_name == "forum.topic_created"
    await emit(TopicCreated(topic_id=1, author_id=member.id, space_id=1))
    await emit(TopicCreated(topic_id=2, author_id=other.id, space_id=1))
    assert not await BadgeAward.filter(badge_id=badge.id).exists()
    await emit(TopicCreated(topic_id=3, author_id=member.id, space_id=1))
    assert await BadgeAward.filter(badge_id=badge.id).values_list("user_id", flat=True) == [member.id]
    await emit(TopicCreated(topic_id=4, author_id=member.id, space_id=1))  # once only
    assert await BadgeAward.filter(badge_id=badge.id).count() == 1
    assert await Notification.filter(kind="engagement.badge_awarded", user_id=member.id).count() == 1
    assert await EventCount.get(user_id=member.id, event_name="forum.topic_created").values("count") == {"count": 3}
    # A revoked award is not given back by further events.
    await badges.revoke_award(admin, badge.id, member.id, "Spam topics", settings=app_settings)
    await emit(TopicCreated(topic_id=5, author_id=member.id, space_id=1))
    award = await BadgeAward.get(badge_id=badge.id, user_id=member.id)
    assert award.revoked_at is not None


async def test_several_processes_award_once(factory, app_settings):
    admin, member = await factory.user(role="ADMIN"), await factory.user()
    badge = await _badge(admin, app_settings, threshold=1)
    event = TopicCreated(topic_id=1, author_id=member.id, space_id=1)
    await asyncio.gather(*(badges.count_event(event, app_settings) for _ in range(5)))
    assert await BadgeAward.filter(badge_id=badge.id).count() == 1
    assert await EventCount.get(user_id=member.id, event_name=event.name).values("count") == {"count": 5}


async def test_only_admins_define_event_badges_for_catalogue_events(factory, app_settings):
    admin, member = await factory.user(role="ADMIN"), await factory.user()
    with pytest.raises(Forbidden):
        await _badge(member, app_settings)
    with pytest.raises(Invalid):
        await _badge(admin, app_settings, event_name="forum.no_such_event")
    with pytest.raises(Invalid):
        await _badge(admin, app_settings, event_name=None)
    assert await Badge.all().count() == 0
    # Events nobody counts are not stored.
    await emit(TopicCreated(topic_id=1, author_id=member.id, space_id=1))
    assert await EventCount.all().count() == 0
