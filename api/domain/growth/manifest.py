"""Manifest of member lifecycle and growth."""

from api.demo.growth import seed
from api.domain.engagement.questions import EarlySignupHours, IssueCoupon, MayRedeem, TierRank, TiersReached
from api.domain.governance.questions import TierHolders
from api.domain.growth import coupons, referrals, segments, tiers
from api.domain.growth.access import READ_POLICIES
from api.domain.growth.events import MemberStageChanged, TierChanged
from api.domain.growth.lifecycle import lifecycle_job
from api.domain.media.questions import StorageQuotaBonus
from api.domain.moderation.questions import SegmentMemberIds, SegmentsContaining
from api.events import decider, on
from api.registry import Domain, Job

DOMAIN = Domain(
    name="growth",
    doc="Member lifecycle (ACTIVE, AT_RISK, INACTIVE from absence), tiers and benefits, coupons.",
    models=("api.models.growth",),
    schema="schema.growth",
    events=(MemberStageChanged, TierChanged),
    # MemberStageChanged has no handler: the lifecycle job reminds the members it moves, many at once.
    handlers=(on(TierChanged, tiers.tell_member),),
    deciders=(
        decider(MayRedeem, tiers.may_redeem),
        decider(IssueCoupon, coupons.issue),
        decider(StorageQuotaBonus, tiers.storage_bonus),
        decider(EarlySignupHours, tiers.early_signup),
        decider(TierHolders, tiers.tier_holders),
        decider(TiersReached, tiers.tiers_reached),
        decider(TierRank, tiers.tier_rank),
        decider(SegmentMemberIds, segments.member_ids),
        decider(SegmentsContaining, segments.segments_containing),
    ),
    jobs=(
        Job("growth.lifecycle", lifecycle_job, interval=600),
        Job("growth.tiers", tiers.tiers_job, interval=300),
        Job("growth.referrals", referrals.referrals_job, interval=600),
    ),
    read_policies=READ_POLICIES,
    seeder=seed,
)
