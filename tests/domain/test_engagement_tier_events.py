"""TIER events without GraphQL: members holding the event's tier or a higher-ranked one see it, sign
up and (with a place) get the meeting link, through the one read policy; members holding a tier of
EVENT_PROPOSE_MIN_TIER_RANK propose events whatever their trust level."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.domain.engagement import events
from api.errors import Forbidden, Invalid, NotFound
from api.models.engagement import Event, EventVisibility, Rsvp
from api.models.growth import MemberTier, Tier
from api.policy import can_view, visible
from api.timeutil import now
from tests.domain.test_engagement_event_access import _event


async def _tier(rank: int, *holders) -> Tier:
    tier = await Tier.create(name=f"Tier {rank}", rank=rank, manual_only=True)
    await MemberTier.bulk_create([MemberTier(user_id=u.id, tier_id=tier.id) for u in holders])
    return tier


async def test_tier_events_show_to_the_tier_and_those_above(factory, app_settings):
    mod = await factory.user(role="MODERATOR")
    bronze, silver, gold, plain = [await factory.user() for _ in range(4)]
    await _tier(1, bronze)
    silver_tier = await _tier(2, silver)
    await _tier(3, gold)
    event = await _event(
        mod, app_settings, title="Silver call", visibility=EventVisibility.TIER, min_tier_id=silver_tier.id
    )
    other = await _event(mod, app_settings, title="Open call")
    assert event.min_tier_id == silver_tier.id
    with pytest.raises(Invalid) as error:
        await _event(mod, app_settings, visibility=EventVisibility.TIER)
    assert error.value.field == "minTierId"
    with pytest.raises(NotFound):
        await _event(mod, app_settings, visibility=EventVisibility.TIER, min_tier_id=9999)

    async def titles(viewer):
        return sorted(await (await visible(Event, viewer, {})).values_list("title", flat=True))

    assert await titles(None) == await titles(plain) == await titles(bronze) == ["Open call"]
    assert await titles(silver) == await titles(gold) == await titles(mod) == ["Open call", "Silver call"]
    for viewer in (None, plain, bronze, silver, gold, mod):  # the row filter agrees with the scope
        assert sorted([e.title for e in (event, other) if await can_view(viewer, e)]) == await titles(viewer)
    with pytest.raises(NotFound):
        await events.rsvp(bronze, event.id)
    await events.rsvp(gold, event.id)
    assert await Rsvp.filter(event_id=event.id).count() == 1
    # Dropping below the tier takes the event (and its meeting link) out of view.
    await MemberTier.filter(user_id=gold.id).delete()
    assert not await can_view(gold, event)
    # Leaving TIER visibility forgets the tier.
    changed = await events.update_event(
        mod, event.id, events.EventInput(visibility=EventVisibility.MEMBERS), settings=app_settings
    )
    assert changed.min_tier_id is None and await can_view(plain, changed)


async def test_members_of_a_tier_may_propose_events(factory, app_settings):
    newcomer, holder = await factory.user(), await factory.user()
    await _tier(1, newcomer)
    await _tier(5, holder)
    start = now() + timedelta(days=3)
    data = events.EventInput(title="Picnic", starts_at=start, ends_at=start + timedelta(hours=2), location="Park")
    with pytest.raises(Forbidden):  # tiers grant nothing until EVENT_PROPOSE_MIN_TIER_RANK is set
        await events.create_event(holder, data, settings=app_settings)
    settings = app_settings.replace(event_propose_min_tier_rank=3)
    with pytest.raises(Forbidden):
        await events.create_event(newcomer, data, settings=settings)
    assert await Event.filter(title="Picnic").count() == 0
    proposed = await events.create_event(holder, data, settings=settings)
    assert proposed.held and proposed.organiser_id == holder.id
