"""Demo growth: three tiers (by points, by trust level, and a manual one), a tier-only coupon
reward with a partner's imported codes and one redeemed, members moved to their tiers, a
referral rewarded and a saved segment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.domain.engagement import rewards
from api.domain.growth import coupons, referrals, segments, tiers
from api.models.accounts import MemberActivity, User
from api.models.moderation import Referral
from api.settings import Settings
from api.timeutil import local_day, now


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users: dict[str, User] = state["users"]
    admin, mod = users["admin"], users["mod"]
    silver = await tiers.create_tier(
        admin,
        tiers.TierInput(
            name="Silver 白银",
            rank=1,
            min_points=100,
            flair="🥈",
            description="Members who earned 100 points.",
            extra_upload_bytes=10_000_000,
        ),
        settings=settings,
    )
    gold = await tiers.create_tier(
        admin,
        tiers.TierInput(
            name="Gold 黄金",
            rank=2,
            min_points=250,
            flair="🥇",
            description="250 points earned: gold rewards.",
            extra_upload_bytes=50_000_000,
            early_signup_hours=24,
        ),
        settings=settings,
    )
    partner = await tiers.create_tier(
        admin,
        tiers.TierInput(
            name="Partner 合作伙伴", rank=3, manual_only=True, flair="🤝", description="Granted by the team."
        ),
        settings=settings,
    )
    await tiers.create_tier(
        admin,
        tiers.TierInput(
            name="Regular 常客", rank=0, min_trust_level=2, flair="★", description="Trust level 2 and above."
        ),
        settings=settings,
    )
    await tiers.recompute(settings)
    await tiers.grant_tier(admin, users["carol"].id, partner.id, "Runs the partner bookshop", settings=settings)
    assert silver.id
    # A gold-only coupon reward with a partner's codes; alice (320 points) redeems one.
    voucher = await rewards.create_reward(
        mod,
        rewards.RewardInput(
            name="书店优惠券 Bookshop voucher",
            description="20% off at the partner bookshop.",
            cost=30,
            stock=0,
            per_member_limit=1,
        ),
        settings=settings,
    )
    await tiers.set_reward_tier(admin, voucher.id, gold.id)
    await coupons.import_codes(
        admin,
        voucher.id,
        [f"BOOK-2026-{n:03}" for n in range(1, 21)],
        batch="Partner bookshop",
        expires_at=now() + timedelta(days=90),
    )
    await rewards.redeem(users["alice"], voucher.id, settings=settings)
    # A referral that paid: carol invited 张伟, who then came back on enough days.
    await Referral.create(inviter=users["carol"], invitee=users["张伟"])
    today = local_day(now(), settings.community_timezone)
    for back in range(settings.referral_active_days):
        await MemberActivity.get_or_create(user_id=users["张伟"].id, day=today - timedelta(days=back))
    await referrals.reward_ripe(settings)
    # A segment for targeted operations: engaged members of trust level 1 and above, active this month.
    await segments.save_segment(
        mod,
        None,
        "活跃会员 Engaged members",
        "Trust level 1+, active in the last 30 days.",
        segments.Criteria(min_trust_level=1, active_within_days=30),
        settings=settings,
    )
