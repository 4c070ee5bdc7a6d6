"""The lifecycle review through GraphQL: staff only, a page costs the same whatever its size,
and a member who comes back leaves the review."""

from __future__ import annotations

from datetime import date

from api.models.accounts import User, UserStatus

BY_STAGE = """query($stage: UserStatus!, $first: Int) { membersByStage(stage: $stage, first: $first) {
  totalCount nodes { username status trustLevel } } }"""


async def test_members_by_stage_is_for_staff_and_costs_the_same_per_page(gql, factory, count_queries):
    _, member_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    for token, reason in ((None, "Sign in first."), (member_token, "This needs the moderator role.")):
        body = await gql(BY_STAGE, {"stage": "AT_RISK"}, token=token, expect_errors=True)
        assert body["data"] is None and body["errors"][0]["message"] == reason
    for n in range(12):
        user = await factory.user(f"away{n:02}")
        await User.filter(id=user.id).update(status=UserStatus.AT_RISK, last_active_day=date(2026, 1, 1 + n))
    await gql(BY_STAGE, {"stage": "AT_RISK", "first": 1}, token=mod_token)
    costs = []
    for first in (2, 12):
        with count_queries:
            page = (await gql(BY_STAGE, {"stage": "AT_RISK", "first": first}, token=mod_token))["membersByStage"]
        costs.append(count_queries.count)
        assert page["totalCount"] == 12 and len(page["nodes"]) == first
        assert page["nodes"][0]["username"] == "away00" and page["nodes"][0]["status"] == "AT_RISK"
    assert costs[0] == costs[1]


async def test_a_returning_member_leaves_the_review(gql, factory):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    member, token = await factory.member_with_token()
    await User.filter(id=member.id).update(status=UserStatus.INACTIVE, last_active_day=date(2025, 1, 1))
    assert (await gql(BY_STAGE, {"stage": "INACTIVE"}, token=mod_token))["membersByStage"]["totalCount"] == 1
    await gql("query { viewer { user { id } } }", token=token)  # reading is coming back
    assert (await gql(BY_STAGE, {"stage": "INACTIVE"}, token=mod_token))["membersByStage"]["totalCount"] == 0
    assert (await User.get(id=member.id)).status == UserStatus.ACTIVE
