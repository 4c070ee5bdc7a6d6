"""The demo growth data: tiers reached by points and granted by hand, a tier-only coupon reward."""

from __future__ import annotations

from api.demo import accounts, engagement, forum, growth
from api.domain.growth import tiers
from api.models.engagement import PointEntry
from api.models.growth import Coupon, RewardTier, Segment


async def test_demo_growth(app_settings):
    state: dict = {}
    for module in (accounts, forum, engagement, growth):
        await module.seed(app_settings, state)
    users = state["users"]
    assert (await tiers.tier_of(users["alice"].id)).name == "Gold 黄金"
    assert (await tiers.tier_of(users["carol"].id)).name == "Partner 合作伙伴"
    rule = await RewardTier.all().select_related("reward", "tier").get()
    assert rule.tier.name == "Gold 黄金"
    issued = await Coupon.filter(reward_id=rule.reward_id, user_id__isnull=False).values_list("user_id", flat=True)
    assert list(issued) == [users["alice"].id]
    assert await Coupon.filter(reward_id=rule.reward_id).count() == 20
    assert await PointEntry.filter(rule="referral").count() == 2
    assert await Segment.filter(name="活跃会员 Engaged members").exists()
