"""Member growth: tiers (会员等级) with their benefits, members' tiers, and coupon codes (优惠券)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import User
    from api.models.engagement import Redemption, Reward
    from api.models.moderation import Referral


class Tier(Model):
    """A tier defined by admins. A member qualifies when every set condition holds (lifetime
    points earned, trust level); `manual_only` tiers are only granted. A member holds the
    highest-ranked tier they qualify for, unless staff granted one."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    description = fields.TextField(default="")
    rank = fields.IntField(unique=True)  # higher is better
    min_points = fields.IntField(null=True)
    min_trust_level = fields.SmallIntField(null=True)
    manual_only = fields.BooleanField(default=False)
    # Benefits the API enforces (rewards restricted to a tier are `RewardTier` rows).
    flair = fields.CharField(max_length=32, default="")  # shown beside the member's name
    extra_upload_bytes = fields.BigIntField(default=0)  # added to MEDIA_QUOTA_BYTES
    early_signup_hours = fields.IntField(default=0)  # event sign-up opens this much earlier
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "growth_tiers"
        ordering = ["rank", "id"]


class TierSource(str, Enum):
    RULES = "RULES"  # reached by points or trust level (the tiers job)
    MANUAL = "MANUAL"  # granted by staff; the job leaves it alone


class MemberTier(Model):
    """The tier a member holds now (no row: none)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "accounts.User", related_name="member_tier", on_delete=fields.CASCADE
    )
    user_id: int
    tier: fields.ForeignKeyRelation[Tier] = fields.ForeignKeyField(
        "growth.Tier", related_name="holders", on_delete=fields.CASCADE
    )
    tier_id: int
    source = fields.CharEnumField(TierSource, max_length=16, default=TierSource.RULES)
    granted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="tiers_granted", null=True, on_delete=fields.SET_NULL
    )
    granted_by_id: int | None
    reason = fields.CharField(max_length=500, default="")
    since = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "growth_member_tiers"


class RewardTier(Model):
    """A reward of the catalogue only members of `tier` (or a higher one) may redeem."""

    id = fields.IntField(primary_key=True)
    reward: fields.OneToOneRelation[Reward] = fields.OneToOneField(
        "engagement.Reward", related_name="tier_rule", on_delete=fields.CASCADE
    )
    reward_id: int
    tier: fields.ForeignKeyRelation[Tier] = fields.ForeignKeyField(
        "growth.Tier", related_name="rewards", on_delete=fields.CASCADE
    )
    tier_id: int

    class Meta:
        table = "growth_reward_tiers"


class Coupon(Model):
    """One coupon code of a reward: generated or imported (a partner's), issued to one
    redemption, marked used by staff."""

    id = fields.IntField(primary_key=True)
    reward: fields.ForeignKeyRelation[Reward] = fields.ForeignKeyField(
        "engagement.Reward", related_name="coupons", on_delete=fields.CASCADE
    )
    reward_id: int
    code = fields.CharField(max_length=64)
    batch = fields.CharField(max_length=100, default="")  # e.g. the partner's name
    expires_at = fields.DatetimeField(null=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="coupons", null=True, on_delete=fields.CASCADE
    )
    user_id: int | None
    redemption: fields.OneToOneNullableRelation[Redemption] = fields.OneToOneField(
        "engagement.Redemption", related_name="coupon", null=True, on_delete=fields.SET_NULL
    )
    redemption_id: int | None
    issued_at = fields.DatetimeField(null=True)
    used_at = fields.DatetimeField(null=True)
    used_marked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="coupons_marked", null=True, on_delete=fields.SET_NULL
    )
    used_marked_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "growth_coupons"
        unique_together = (("reward", "code"),)
        indexes = (("reward_id", "user_id"),)
        ordering = ["id"]


class ReferralOutcome(Model):
    """Whether a referral (moderation.Referral) was rewarded, decided once by the referrals job:
    its unique row is the claim that makes the reward happen once with several processes."""

    id = fields.IntField(primary_key=True)
    referral: fields.OneToOneRelation[Referral] = fields.OneToOneField(
        "moderation.Referral", related_name="outcome", on_delete=fields.CASCADE
    )
    referral_id: int
    rewarded = fields.BooleanField()
    reason = fields.CharField(max_length=200, default="")  # why not, when refused
    points = fields.IntField(default=0)  # given to each side
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "growth_referral_outcomes"


class Segment(Model):
    """A saved segment of members (用户画像) defined by staff: criteria kept as JSON
    (`api.domain.growth.segments.Criteria`), evaluated when read, so it is always current."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    description = fields.TextField(default="")
    criteria: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="segments_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "growth_segments"
        ordering = ["name", "id"]
