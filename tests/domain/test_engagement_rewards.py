"""Rewards: redemption debits points and takes stock in one transaction; concurrent redemptions
never overdraw a balance or oversell; limits, windows, fulfilment and refunds."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.domain.engagement import points, rewards
from api.errors import Conflict, Forbidden, Invalid
from api.models.engagement import PointAccount, PointEntry, Redemption, RedemptionStatus, Reward
from api.timeutil import now


async def _funded(factory, admin, settings, amount: int):
    member = await factory.user()
    await points.grant(admin, member.id, amount, "Test funds", settings=settings)
    return member


async def _reward(staff, settings, **fields):
    data = rewards.RewardInput(**{"name": "Mug", "cost": 10, "stock": 5, **fields})
    return await rewards.create_reward(staff, data, settings=settings)


async def _outcome(results) -> tuple[int, list]:
    ok = [r for r in results if isinstance(r, Redemption)]
    failures = [r for r in results if not isinstance(r, Redemption)]
    assert all(isinstance(f, Conflict) for f in failures), failures
    return len(ok), failures


async def test_fifty_concurrent_redemptions_of_the_last_items_never_oversell(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    reward = await _reward(admin, app_settings, stock=5)
    members = [await _funded(factory, admin, app_settings, 10) for _ in range(50)]
    results = await asyncio.gather(
        *[rewards.redeem(m, reward.id, settings=app_settings) for m in members], return_exceptions=True
    )
    won, _ = await _outcome(results)
    assert won == 5
    assert (await Reward.get(id=reward.id)).stock == 0
    assert await Redemption.filter(reward_id=reward.id).count() == 5
    balances = [await points.balance(m.id) for m in members]
    assert sorted(balances) == [0] * 5 + [10] * 45
    for m in members:
        assert await points.balance(m.id) == await points.ledger_balance(m.id)


async def test_fifty_concurrent_redemptions_by_one_member_never_overdraw(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    reward = await _reward(admin, app_settings, stock=100, cost=10)
    member = await _funded(factory, admin, app_settings, 35)
    results = await asyncio.gather(
        *[rewards.redeem(member, reward.id, settings=app_settings) for _ in range(50)], return_exceptions=True
    )
    won, failures = await _outcome(results)
    assert won == 3
    assert all(f.code.value == "QUOTA_EXCEEDED" for f in failures)
    assert await points.balance(member.id) == 5 == await points.ledger_balance(member.id)
    assert (await Reward.get(id=reward.id)).stock == 97


async def test_per_member_limit_holds_under_concurrency(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    reward = await _reward(admin, app_settings, stock=50, per_member_limit=2)
    member = await _funded(factory, admin, app_settings, 100)
    results = await asyncio.gather(
        *[rewards.redeem(member, reward.id, settings=app_settings) for _ in range(10)], return_exceptions=True
    )
    assert (await _outcome(results))[0] == 2
    assert await points.balance(member.id) == 80


async def test_window_active_flag_and_validation(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    member = await _funded(factory, admin, app_settings, 100)
    later = await _reward(admin, app_settings, starts_at=now() + timedelta(days=1))
    over = await _reward(admin, app_settings, starts_at=now() - timedelta(days=2), ends_at=now() - timedelta(days=1))
    off = await _reward(admin, app_settings, active=False)
    for reward in (later, over, off):
        with pytest.raises(Conflict) as refused:
            await rewards.redeem(member, reward.id, settings=app_settings)
        assert refused.value.code.value == "CLOSED"
    with pytest.raises(Invalid) as bad:
        await _reward(admin, app_settings, cost=0)
    assert bad.value.field == "cost"
    with pytest.raises(Invalid):
        await _reward(admin, app_settings, name="")
    with pytest.raises(Invalid):
        await _reward(admin, app_settings, name="x" * (app_settings.max_title_length + 1))
    with pytest.raises(Forbidden):
        await _reward(member, app_settings)
    assert await points.balance(member.id) == 100


async def test_refund_credits_back_and_restocks_fulfil_is_final(app_settings, factory):
    admin, mod = await factory.user(role="ADMIN"), await factory.user(role="MODERATOR")
    reward = await _reward(admin, app_settings, stock=1, cost=30)
    member = await _funded(factory, admin, app_settings, 40)
    first = await rewards.redeem(member, reward.id, settings=app_settings)
    assert await points.balance(member.id) == 10
    with pytest.raises(Forbidden):
        await rewards.refund(member, first.id, settings=app_settings)
    refunded = await rewards.refund(mod, first.id, "Out of mugs", settings=app_settings)
    assert refunded.status == RedemptionStatus.REFUNDED
    assert await points.balance(member.id) == 40 == await points.ledger_balance(member.id)
    assert (await Reward.get(id=reward.id)).stock == 1
    assert (await PointAccount.get(user_id=member.id)).earned == 40  # a refund is not earning
    with pytest.raises(Conflict):
        await rewards.refund(mod, first.id, settings=app_settings)
    second = await rewards.redeem(member, reward.id, settings=app_settings)
    fulfilled = await rewards.fulfil(mod, second.id, "Posted", settings=app_settings)
    assert (fulfilled.status, fulfilled.handled_by_id) == (RedemptionStatus.FULFILLED, mod.id)
    with pytest.raises(Conflict):
        await rewards.refund(mod, second.id, settings=app_settings)
    rules = await PointEntry.filter(user_id=member.id).order_by("id").values_list("rule", "amount")
    assert rules == [("grant", 40), ("redemption", -30), ("refund", 30), ("redemption", -30)]


async def test_updating_stock_and_fields(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    reward = await _reward(mod, app_settings, stock=1)
    updated = await rewards.update_reward(mod, reward.id, rewards.RewardInput(stock=7, cost=12), settings=app_settings)
    assert (updated.stock, updated.cost, updated.name) == (7, 12, "Mug")
    with pytest.raises(Invalid):
        await rewards.update_reward(mod, reward.id, rewards.RewardInput(stock=-1), settings=app_settings)
