"""Coupons (issue 17): codes generated or imported add stock; a redemption of a coupon reward
issues exactly one code in its transaction; 50 concurrent redemptions never hand out a code
twice nor spend points without a code; staff mark a code used once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.domain.engagement import points, rewards
from api.domain.growth import coupons
from api.errors import Conflict, Forbidden, Invalid
from api.models.engagement import Redemption, Reward
from api.models.growth import Coupon
from api.timeutil import now


async def _funded(factory, admin, settings, amount: int):
    member = await factory.user()
    await points.grant(admin, member.id, amount, "Test funds", settings=settings)
    return member


async def _voucher(admin, settings, **fields):
    data = rewards.RewardInput(**{"name": "Voucher", "cost": 10, "stock": 0, **fields})
    return await rewards.create_reward(admin, data, settings=settings)


async def test_fifty_concurrent_redemptions_share_the_codes_once(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    voucher = await _voucher(admin, app_settings, per_member_limit=1)
    assert await coupons.import_codes(admin, voucher.id, [f"P-{n:03}" for n in range(20)], batch="Partner") == 20
    assert (await Reward.get(id=voucher.id)).stock == 20
    members = [await _funded(factory, admin, app_settings, 10) for _ in range(50)]
    results = await asyncio.gather(
        *[rewards.redeem(m, voucher.id, settings=app_settings) for m in members], return_exceptions=True
    )
    won = [r for r in results if isinstance(r, Redemption)]
    assert all(isinstance(r, (Redemption, Conflict)) for r in results), results
    assert len(won) == 20
    issued = await Coupon.filter(reward_id=voucher.id, user_id__isnull=False).values("code", "user_id", "redemption_id")
    assert len(issued) == 20 and len({c["user_id"] for c in issued}) == 20
    assert {c["redemption_id"] for c in issued} == {r.id for r in won}
    assert (await Reward.get(id=voucher.id)).stock == 0
    assert sorted([await points.balance(m.id) for m in members]) == [0] * 20 + [10] * 30


async def test_no_code_left_spends_nothing_and_expired_codes_are_skipped(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    voucher = await _voucher(admin, app_settings)
    await coupons.generate_codes(admin, voucher.id, 2)
    # One code expires (set behind the API's back, as time passing would).
    first = await Coupon.filter(reward_id=voucher.id).order_by("id").first()
    await Coupon.filter(id=first.id).update(expires_at=now() - timedelta(minutes=1))
    member = await _funded(factory, admin, app_settings, 100)
    redemption = await rewards.redeem(member, voucher.id, settings=app_settings)
    mine = await coupons.my_coupons(member)
    assert [c.redemption_id for c in mine] == [redemption.id] and mine[0].id != first.id
    with pytest.raises(Conflict):
        await rewards.redeem(member, voucher.id, settings=app_settings)  # stock 1 left, its code expired
    assert await points.balance(member.id) == 90
    assert (await Reward.get(id=voucher.id)).stock == 1


async def test_import_rules_and_marking_used(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    mod = await factory.user(role="MODERATOR")
    voucher = await _voucher(admin, app_settings)
    member = await _funded(factory, admin, app_settings, 100)
    with pytest.raises(Forbidden):
        await coupons.import_codes(mod, voucher.id, ["A"])
    with pytest.raises(Invalid):
        await coupons.import_codes(admin, voucher.id, ["A", "A"])
    with pytest.raises(Invalid):
        await coupons.generate_codes(admin, voucher.id, 1, expires_at=now() - timedelta(days=1))
    await coupons.import_codes(admin, voucher.id, ["A", "B"])
    with pytest.raises(Conflict):
        await coupons.import_codes(admin, voucher.id, ["B", "C"])
    assert (await Reward.get(id=voucher.id)).stock == 2
    with pytest.raises(Conflict):
        await coupons.mark_used(mod, voucher.id, "A")  # not issued yet
    await rewards.redeem(member, voucher.id, settings=app_settings)
    code = (await coupons.my_coupons(member))[0].code
    with pytest.raises(Forbidden):
        await coupons.mark_used(member, voucher.id, code)
    assert (await coupons.mark_used(mod, voucher.id, code)).used_at is not None
    with pytest.raises(Conflict):
        await coupons.mark_used(mod, voucher.id, code)


async def test_a_reward_without_codes_is_unchanged(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    mug = await _voucher(admin, app_settings, stock=3)
    member = await _funded(factory, admin, app_settings, 10)
    assert await rewards.redeem(member, mug.id, settings=app_settings)
    assert await Coupon.all().count() == 0
