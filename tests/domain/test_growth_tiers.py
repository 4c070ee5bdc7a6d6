"""Tiers and benefits (issue 17): tiers from lifetime points or trust level, manual grants kept
from the job, upgrades and downgrades told, each change made once with several processes, and
the benefits enforced (tier-only rewards, extra upload bytes)."""

from __future__ import annotations

import asyncio

import pytest

from api.domain.engagement import points, rewards
from api.domain.growth import tiers
from api.domain.media.limits import QuotaExceeded, check_quota, quota_bytes
from api.errors import Conflict, Forbidden, Invalid
from api.models.accounts import User
from api.models.engagement import Reward
from api.models.growth import MemberTier, TierSource
from api.models.notifications import Notification
from api.transactions import transaction


async def _ladder(admin, settings):
    silver = await tiers.create_tier(
        admin,
        tiers.TierInput(name="Silver", rank=1, min_points=100, flair="S", extra_upload_bytes=1000),
        settings=settings,
    )
    gold = await tiers.create_tier(
        admin, tiers.TierInput(name="Gold", rank=2, min_points=250, min_trust_level=2), settings=settings
    )
    partner = await tiers.create_tier(
        admin, tiers.TierInput(name="Partner", rank=3, manual_only=True), settings=settings
    )
    return silver, gold, partner


async def _tier_name(user_id: int) -> str | None:
    tier = await tiers.tier_of(user_id)
    return tier.name if tier else None


async def test_definitions_are_admins_and_checked(app_settings, factory):
    admin, mod = await factory.user(role="ADMIN"), await factory.user(role="MODERATOR")
    with pytest.raises(Forbidden):
        await tiers.create_tier(mod, tiers.TierInput(name="X", rank=1, min_points=1), settings=app_settings)
    with pytest.raises(Invalid):
        await tiers.create_tier(admin, tiers.TierInput(name="No rule", rank=1), settings=app_settings)
    with pytest.raises(Invalid):
        await tiers.create_tier(admin, tiers.TierInput(name="Bad", rank=1, min_trust_level=7), settings=app_settings)
    await tiers.create_tier(admin, tiers.TierInput(name="One", rank=1, min_points=1), settings=app_settings)
    with pytest.raises(Conflict):
        await tiers.create_tier(admin, tiers.TierInput(name="Two", rank=1, min_points=2), settings=app_settings)


async def test_members_reach_lose_and_are_told_of_their_tier(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    await _ladder(admin, app_settings)
    low, mid, high = [await factory.user() for _ in range(3)]
    for member, amount in ((low, 50), (mid, 150), (high, 300)):
        await points.grant(admin, member.id, amount, "Seed", settings=app_settings)
    await User.filter(id=high.id).update(trust_level=2)
    assert await tiers.recompute(app_settings) == 2
    assert [await _tier_name(u.id) for u in (low, mid, high)] == [None, "Silver", "Gold"]
    assert await tiers.recompute(app_settings) == 0
    # Spending is not losing: a redemption leaves the tier; points taken back do.
    mug = await rewards.create_reward(admin, rewards.RewardInput(name="Mug", cost=100, stock=5), settings=app_settings)
    await rewards.redeem(high, mug.id, settings=app_settings)
    await points.grant(admin, high.id, -100, "Taken back", settings=app_settings)
    assert await tiers.recompute(app_settings) == 1
    assert await _tier_name(high.id) == "Silver"
    told = await Notification.filter(user_id=high.id, kind="growth.tier_changed").order_by("id")
    assert [n.message for n in told] == ["You reached the Gold tier.", "Your tier is now Silver."]
    assert {(n.subject_type, n.subject_id) for n in told} == {("User", high.id)}
    assert await Notification.filter(user_id=mid.id, kind="growth.tier_changed").values_list("message", flat=True) == [
        "You reached the Silver tier."
    ]


async def test_the_job_tells_the_members_it_moves_at_a_fixed_cost(app_settings, factory, count_queries):
    admin = await factory.user(role="ADMIN")
    await _ladder(admin, app_settings)

    async def cost(n: int) -> int:
        members = [await factory.user() for _ in range(n)]
        for member in members:
            await points.grant(admin, member.id, 150, "Seed", settings=app_settings)
        with count_queries:
            assert await tiers.recompute(app_settings, [m.id for m in members]) == n
        return count_queries.count

    few, many = await cost(2), await cost(12)
    # One conditional write per member moved; telling them costs the same however many.
    assert many - few == 10, (few, many)
    assert await Notification.filter(kind="growth.tier_changed").count() == 14


async def test_a_manual_grant_is_kept_until_handed_back(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    _silver, _gold, partner = await _ladder(admin, app_settings)
    member = await factory.user()
    await points.grant(admin, member.id, 150, "Seed", settings=app_settings)
    with pytest.raises(Forbidden):
        await tiers.grant_tier(await factory.user(role="MODERATOR"), member.id, partner.id, settings=app_settings)
    await tiers.grant_tier(admin, member.id, partner.id, "Runs the shop", settings=app_settings)
    assert await tiers.recompute(app_settings) == 0
    held = await MemberTier.get(user_id=member.id)
    assert (held.tier_id, held.source, held.reason) == (partner.id, TierSource.MANUAL, "Runs the shop")
    await tiers.grant_tier(admin, member.id, None, settings=app_settings)
    assert await _tier_name(member.id) == "Silver"


async def test_several_processes_change_each_member_once(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    await _ladder(admin, app_settings)
    members = [await factory.user() for _ in range(8)]
    for member in members:
        await points.grant(admin, member.id, 120, "Seed", settings=app_settings)

    async def one_process() -> int:
        async with transaction():
            return await tiers.recompute(app_settings)

    assert sum(await asyncio.gather(*(one_process() for _ in range(4)))) == len(members)
    assert await Notification.filter(kind="growth.tier_changed").count() == len(members)


async def test_benefits_are_enforced(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    silver, _gold, _partner = await _ladder(admin, app_settings)
    plain, silvered = await factory.user(), await factory.user()
    for member in (plain, silvered):
        await points.grant(admin, member.id, 150 if member is silvered else 90, "Seed", settings=app_settings)
    await tiers.recompute(app_settings)
    lounge = await rewards.create_reward(
        admin, rewards.RewardInput(name="Lounge pass", cost=10, stock=5), settings=app_settings
    )
    await tiers.set_reward_tier(admin, lounge.id, silver.id)
    with pytest.raises(Forbidden):
        await rewards.redeem(plain, lounge.id, settings=app_settings)
    assert await points.balance(plain.id) == 90 and (await Reward.get(id=lounge.id)).stock == 5
    assert await rewards.redeem(silvered, lounge.id, settings=app_settings)
    # Extra storage for the tier's members.
    base = app_settings.media_quota_bytes
    assert await quota_bytes(plain, app_settings) == base
    assert await quota_bytes(silvered, app_settings) == base + 1000
    await check_quota(silvered, base + 1000, settings=app_settings)
    with pytest.raises(QuotaExceeded):
        await check_quota(plain, base + 1000, settings=app_settings)


async def test_a_tier_signs_up_for_events_early(app_settings, factory):
    from datetime import timedelta

    from api.domain.engagement import events
    from api.timeutil import now

    admin = await factory.user(role="ADMIN")
    await tiers.create_tier(
        admin, tiers.TierInput(name="Early", rank=1, min_points=10, early_signup_hours=24), settings=app_settings
    )
    early, late = await factory.user(), await factory.user()
    await points.grant(admin, early.id, 10, "Seed", settings=app_settings)
    await tiers.recompute(app_settings)
    opens = now() + timedelta(hours=12)
    event = await events.create_event(
        admin,
        events.EventInput(
            title="Meetup",
            starts_at=now() + timedelta(days=3),
            ends_at=now() + timedelta(days=3, hours=2),
            location="Hall",
            signup_opens_at=opens,
        ),
        settings=app_settings,
    )
    assert (await events.rsvp(early, event.id)).status.value == "GOING"
    with pytest.raises(Conflict) as closed:
        await events.rsvp(late, event.id)
    assert closed.value.code.value == "CLOSED"
    assert (await events.rsvp(late, event.id, at=opens)).status.value == "GOING"
    with pytest.raises(Invalid):
        await events.create_event(
            admin,
            events.EventInput(
                title="Odd",
                starts_at=now() + timedelta(days=1),
                ends_at=now() + timedelta(days=1, hours=1),
                location="Hall",
                signup_opens_at=now() + timedelta(days=2),
            ),
            settings=app_settings,
        )
