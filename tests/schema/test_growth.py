"""Tiers and coupons through GraphQL (issue 17): admins define tiers, `User.tier` and
`Reward.requiredTier` batch on list pages, tier-only rewards are refused with nothing spent,
coupon codes reach `myCoupons`, staff mark them used. Staff-only mutations' refusals are
proven for every mutation by tests/platform/test_mutations.py."""

from __future__ import annotations

from api.domain.engagement import points, rewards
from api.domain.growth import coupons, tiers
from api.models.accounts import User, UserStatus
from schema.relay import node_global_id

CREATE_TIER = """mutation($input: CreateTierInput!) { createTier(input: $input) {
  tier { id name rank minPoints flair } errors { field code message } } }"""
TIERS = "query { tiers { nodes { name rank flair manualOnly } } }"
BY_STAGE_TIERS = """query($first: Int) { membersByStage(stage: AT_RISK, first: $first) {
  nodes { username tier { name flair } } } }"""
REDEEM = """mutation($input: RedeemRewardInput!) { redeemReward(input: $input) {
  redemption { id } balance errors { field code message } } }"""
MY_COUPONS = """query($first: Int) { myCoupons(first: $first) {
  totalCount nodes { code batch usedAt reward { name requiredTier { name } } } } }"""
REWARD_COUPONS = "query($id: ID!) { rewardCoupons(rewardId: $id) { totalCount } }"
MARK_USED = """mutation($input: MarkCouponUsedInput!) { markCouponUsed(input: $input) {
  coupon { code usedAt } errors { field code message } } }"""


async def test_admins_define_tiers_and_everyone_sees_them(gql, factory):
    _, admin_token = await factory.member_with_token(role="ADMIN")
    made = (
        await gql(
            CREATE_TIER, {"input": {"name": "Gold", "rank": 2, "minPoints": 250, "flair": "G"}}, token=admin_token
        )
    )["createTier"]
    assert made["errors"] == [] and made["tier"]["name"] == "Gold"
    refused = (await gql(CREATE_TIER, {"input": {"name": "Empty", "rank": 3}}, token=admin_token))["createTier"]
    assert refused["tier"] is None and refused["errors"][0]["field"] == "minPoints"
    clash = (await gql(CREATE_TIER, {"input": {"name": "Other", "rank": 2, "minPoints": 1}}, token=admin_token))[
        "createTier"
    ]
    assert clash["errors"][0]["code"] == "CONFLICT"
    assert (await gql(TIERS))["tiers"]["nodes"] == [{"name": "Gold", "rank": 2, "flair": "G", "manualOnly": False}]


async def test_member_tiers_on_a_list_page_cost_the_same_whatever_its_size(gql, factory, app_settings, count_queries):
    admin = await factory.user(role="ADMIN")
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    await tiers.create_tier(
        admin, tiers.TierInput(name="Silver", rank=1, min_points=10, flair="S"), settings=app_settings
    )
    for n in range(12):
        member = await factory.user(f"m{n:02}")
        if n % 2:
            await points.grant(admin, member.id, 10, "Seed", settings=app_settings)
        await User.filter(id=member.id).update(status=UserStatus.AT_RISK)
    await tiers.recompute(app_settings)
    await gql(BY_STAGE_TIERS, {"first": 1}, token=mod_token)
    costs = []
    for first in (2, 12):
        with count_queries:
            nodes = (await gql(BY_STAGE_TIERS, {"first": first}, token=mod_token))["membersByStage"]["nodes"]
        costs.append(count_queries.count)
        assert nodes[0] == {"username": "m00", "tier": None} and nodes[1]["tier"] == {"name": "Silver", "flair": "S"}
    assert costs[0] == costs[1]


async def test_coupons_reach_the_member_and_staff_mark_them_used(gql, factory, app_settings, count_queries):
    admin = await factory.user(role="ADMIN")
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    member, token = await factory.member_with_token()
    _, other_token = await factory.member_with_token()
    await points.grant(admin, member.id, 100, "Seed", settings=app_settings)
    silver = await tiers.create_tier(
        admin, tiers.TierInput(name="Silver", rank=1, min_points=50), settings=app_settings
    )
    vouchers = []
    for n in range(3):
        voucher = await rewards.create_reward(
            admin, rewards.RewardInput(name=f"Voucher {n}", cost=10, stock=0), settings=app_settings
        )
        await coupons.import_codes(admin, voucher.id, [f"V{n}-A", f"V{n}-B"], batch="Shop")
        vouchers.append(voucher)
    await tiers.set_reward_tier(admin, vouchers[0].id, silver.id)
    first_id = node_global_id("Reward", vouchers[0].id)
    refused = (await gql(REDEEM, {"input": {"rewardId": first_id}}, token=token))["redeemReward"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["redemption"] is None
    await tiers.recompute(app_settings)
    for voucher in vouchers:
        done = (await gql(REDEEM, {"input": {"rewardId": node_global_id("Reward", voucher.id)}}, token=token))[
            "redeemReward"
        ]
        assert done["errors"] == []
    assert done["balance"] == 70
    costs = []
    for first in (1, 3):
        with count_queries:
            mine = (await gql(MY_COUPONS, {"first": first}, token=token))["myCoupons"]
        costs.append(count_queries.count)
        assert mine["totalCount"] == 3 and len(mine["nodes"]) == first
    assert costs[0] == costs[1]
    assert {n["code"] for n in mine["nodes"]} == {"V0-A", "V1-A", "V2-A"}
    assert {n["reward"]["requiredTier"]["name"] for n in mine["nodes"] if n["reward"]["requiredTier"]} == {"Silver"}
    assert (await gql(MY_COUPONS, token=other_token))["myCoupons"]["totalCount"] == 0
    anonymous = await gql(MY_COUPONS, expect_errors=True)
    assert anonymous["data"] is None and anonymous["errors"][0]["message"] == "Sign in first."
    denied = await gql(REWARD_COUPONS, {"id": first_id}, token=token, expect_errors=True)
    assert denied["data"] is None and denied["errors"][0]["message"] == "This needs the moderator role."
    assert (await gql(REWARD_COUPONS, {"id": first_id}, token=mod_token))["rewardCoupons"]["totalCount"] == 2
    used = (await gql(MARK_USED, {"input": {"rewardId": first_id, "code": "V0-A"}}, token=mod_token))["markCouponUsed"]
    assert used["errors"] == [] and used["coupon"]["usedAt"]
    again = (await gql(MARK_USED, {"input": {"rewardId": first_id, "code": "V0-A"}}, token=mod_token))["markCouponUsed"]
    assert again["errors"][0]["code"] == "CONFLICT"
    by_member = (await gql(MARK_USED, {"input": {"rewardId": first_id, "code": "V0-A"}}, token=token))["markCouponUsed"]
    assert by_member["errors"][0]["code"] == "FORBIDDEN"


LEADERBOARD = "query { referralLeaderboard { rewarded user { username } } }"
CHAIN = "query($id: ID!) { referralChain(userId: $id) { rewarded reason referral { inviter { username } } } }"


async def test_referral_leaderboard_and_chains(gql, factory, app_settings):
    from datetime import date

    from api.domain.growth import referrals
    from api.models.accounts import MemberActivity
    from api.models.moderation import Referral

    _, member_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    host = await factory.user("host")
    guest = await factory.user("guest")
    await Referral.create(inviter=host, invitee=guest)
    await MemberActivity.create(user=guest, day=date(2026, 3, 1))
    assert await referrals.reward_ripe(app_settings.replace(referral_active_days=1)) == 1
    assert (await gql(LEADERBOARD))["referralLeaderboard"] == [{"rewarded": 1, "user": {"username": "host"}}]
    guest_id = node_global_id("User", guest.id)
    denied = await gql(CHAIN, {"id": guest_id}, token=member_token, expect_errors=True)
    assert denied["data"] is None and denied["errors"][0]["message"] == "This needs the moderator role."
    assert (await gql(CHAIN, {"id": guest_id}, token=mod_token))["referralChain"] == [
        {"rewarded": True, "reason": "", "referral": {"inviter": {"username": "host"}}}
    ]


REVOKE = """mutation($input: RevokeBadgeInput!) { revokeBadge(input: $input) {
  award { revokedReason } errors { field code message } } }"""
MEMBER_BADGES = "query($id: ID!) { memberBadges(userId: $id) { totalCount } badges { nodes { holderCount } } }"


async def test_staff_revoke_a_badge_and_it_leaves_every_list(gql, factory, app_settings):
    from api.domain.engagement import badges
    from api.models.engagement import BadgeTier

    admin = await factory.user(role="ADMIN")
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    member, token = await factory.member_with_token()
    badge = await badges.create_badge(admin, name="Helper", tier=BadgeTier.BRONZE, settings=app_settings)
    await badges.award_badge(admin, badge.id, member.id, settings=app_settings)
    ids = {"badgeId": node_global_id("Badge", badge.id), "userId": node_global_id("User", member.id)}
    member_id = {"id": ids["userId"]}
    assert (await gql(MEMBER_BADGES, member_id))["memberBadges"]["totalCount"] == 1
    refused = (await gql(REVOKE, {"input": {**ids, "reason": "x"}}, token=token))["revokeBadge"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    done = (await gql(REVOKE, {"input": {**ids, "reason": "Misused"}}, token=mod_token))["revokeBadge"]
    assert done == {"award": {"revokedReason": "Misused"}, "errors": []}
    after = await gql(MEMBER_BADGES, member_id)
    assert after["memberBadges"]["totalCount"] == 0 and after["badges"]["nodes"] == [{"holderCount": 0}]
