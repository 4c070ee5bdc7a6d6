"""Points, check-in, rewards, badges and titles through GraphQL, end to end with the forum."""

from __future__ import annotations

from strawberry.relay import GlobalID

from api.domain.engagement import points
from api.models.engagement import PointEntry, Redemption, Reward
from tests.domain.forum_helpers import make_space

CHECK_IN = """mutation { dailyCheckIn(input: {}) { checkIn { streak points } longestStreak balance
  errors { code message } } }"""
MINE = """{ myEngagement { balance earned currentStreak longestStreak checkedInToday
  ledger(first: 10) { totalCount nodes { amount rule } } availableTitles { name } } }"""
LEADERBOARD = """query($first: Int) { pointsLeaderboard(period: ALL_TIME, first: $first) {
  totalCount nodes { rank points user { username title { name } } } } }"""
CREATE_REWARD = """mutation($input: CreateRewardInput!) { createReward(input: $input) {
  reward { id name cost stock } errors { field code } } }"""
REDEEM = """mutation($input: RedeemRewardInput!) { redeemReward(input: $input) {
  redemption { id status cost reward { name } } balance errors { field code message } } }"""
REFUND = """mutation($input: HandleRedemptionInput!) { refundRedemption(input: $input) {
  redemption { status } balance errors { code } } }"""
SELECT_TITLE = """mutation($input: SelectTitleInput!) { selectTitle(input: $input) {
  user { username title { name minPoints } } errors { field code } } }"""
TITLES = "{ titles { nodes { id name minPoints } } }"
ASK = """mutation($input: AskQuestionInput!) { askQuestion(input: $input) { question { id } errors { code } } }"""
ANSWER = (
    """mutation($input: AnswerQuestionInput!) { answerQuestion(input: $input) { answer { id } errors { code } } }"""
)
ACCEPT = """mutation($input: AcceptAnswerInput!) { acceptAnswer(input: $input) { errors { code } } }"""
REACT = """mutation($input: ReactInput!) { react(input: $input) { errors { code } } }"""
BADGES = """{ badges { nodes { name holderCount } } }"""
CREATE_BADGE = """mutation($input: CreateBadgeInput!) { createBadge(input: $input) { badge { id } errors { code } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def test_daily_check_in_once_a_day_through_graphql(gql, factory, app_settings):
    _, token = await factory.member_with_token()
    first = (await gql(CHECK_IN, token=token))["dailyCheckIn"]
    assert first["errors"] == [] and first["checkIn"]["streak"] == 1 and first["longestStreak"] == 1
    assert first["balance"] == dict(app_settings.points_rules)["daily_check_in"]
    again = (await gql(CHECK_IN, token=token))["dailyCheckIn"]
    assert again["errors"][0]["code"] == "CONFLICT" and again["checkIn"] is None
    mine = (await gql(MINE, token=token))["myEngagement"]
    assert mine["checkedInToday"] and mine["currentStreak"] == 1
    assert mine["ledger"]["totalCount"] == 1 and mine["ledger"]["nodes"][0]["rule"] == "daily_check_in"
    refused = (await gql(CHECK_IN))["dailyCheckIn"]
    assert refused["errors"][0]["code"] == "UNAUTHENTICATED"


async def test_redeem_and_refund_through_graphql(gql, factory, app_settings):
    admin, admin_token = await factory.member_with_token(role="ADMIN")
    member, token = await factory.member_with_token()
    await points.grant(admin, member.id, 25, "Welcome", settings=app_settings)
    created = (
        await gql(
            CREATE_REWARD, {"input": {"reward": {"name": "Sticker pack", "cost": 20, "stock": 1}}}, token=admin_token
        )
    )["createReward"]
    assert created["errors"] == []
    reward_id = created["reward"]["id"]
    anonymous = (await gql(REDEEM, {"input": {"rewardId": reward_id}}))["redeemReward"]
    assert anonymous["errors"][0]["code"] == "UNAUTHENTICATED" and await Redemption.all().count() == 0
    done = (await gql(REDEEM, {"input": {"rewardId": reward_id}}, token=token))["redeemReward"]
    assert done["errors"] == [] and done["balance"] == 5 and done["redemption"]["reward"]["name"] == "Sticker pack"
    broke = (await gql(REDEEM, {"input": {"rewardId": reward_id}}, token=token))["redeemReward"]
    assert broke["errors"][0]["code"] in {"QUOTA_EXCEEDED", "CONFLICT"}
    member_refund = await gql(REFUND, {"input": {"redemptionId": done["redemption"]["id"]}}, token=token)
    assert member_refund["refundRedemption"]["errors"][0]["code"] == "FORBIDDEN"
    refunded = await gql(REFUND, {"input": {"redemptionId": done["redemption"]["id"]}}, token=admin_token)
    assert refunded["refundRedemption"] == {"redemption": {"status": "REFUNDED"}, "balance": 25, "errors": []}
    assert (await Reward.get(id=int(GlobalID.from_id(reward_id).node_id))).stock == 1


async def test_forum_activity_earns_points_end_to_end(gql, factory, app_settings):
    admin = await factory.user(role="ADMIN")
    space = await make_space(admin, "Help")
    asker, asker_token = await factory.member_with_token()
    helper, helper_token = await factory.member_with_token()
    question = (
        await gql(
            ASK,
            {"input": {"spaceId": gid("Space", space.id), "title": "How to bake bread?", "body": "Mine never rises."}},
            token=asker_token,
        )
    )["askQuestion"]
    answer = (
        await gql(
            ANSWER,
            {"input": {"questionId": question["question"]["id"], "body": "Use fresh yeast."}},
            token=helper_token,
        )
    )["answerQuestion"]
    assert answer["errors"] == []
    accepted = await gql(ACCEPT, {"input": {"answerId": answer["answer"]["id"]}}, token=asker_token)
    assert accepted["acceptAnswer"]["errors"] == []
    reacted = await gql(REACT, {"input": {"subjectId": answer["answer"]["id"], "reaction": "👍"}}, token=asker_token)
    assert reacted["react"]["errors"] == []
    rules = dict(app_settings.points_rules)
    assert await points.balance(helper.id) == rules["answer"] + rules["accepted_answer"] + rules["reaction_received"]
    assert await points.balance(asker.id) == rules["post"]  # the question's opening post
    assert sorted(await PointEntry.filter(user_id=helper.id).values_list("rule", flat=True)) == [
        "accepted_answer",
        "answer",
        "reaction_received",
    ]


async def test_titles_show_beside_the_name_through_a_loader(gql, factory, app_settings, count_queries):
    admin = await factory.user(role="ADMIN")
    members = [await factory.member_with_token() for _ in range(3)]
    for member, _ in members:
        await points.grant(admin, member.id, 150, "Levels", settings=app_settings)
    titles = {t["name"]: t["id"] for t in (await gql(TITLES))["titles"]["nodes"]}
    chosen = (await gql(SELECT_TITLE, {"input": {"titleId": titles["Regular"]}}, token=members[0][1]))["selectTitle"]
    assert chosen == {
        "user": {"username": members[0][0].username, "title": {"name": "Regular", "minPoints": 100}},
        "errors": [],
    }
    too_high = (await gql(SELECT_TITLE, {"input": {"titleId": titles["Expert"]}}, token=members[1][1]))["selectTitle"]
    assert too_high["errors"] == [{"field": "titleId", "code": "FORBIDDEN"}]
    board = (await gql(LEADERBOARD, {"first": 10}))["pointsLeaderboard"]
    shown = {n["user"]["username"]: n["user"]["title"] for n in board["nodes"]}
    assert shown[members[0][0].username] == {"name": "Regular"} and shown[members[1][0].username] is None
    assert [n["rank"] for n in board["nodes"]] == [1, 2, 3] and board["totalCount"] == 3


async def _leaderboard_cost(gql, count_queries, first: int) -> int:
    with count_queries:
        data = await gql(LEADERBOARD, {"first": first})
    assert len(data["pointsLeaderboard"]["nodes"]) == first
    return count_queries.count


async def test_a_leaderboard_page_costs_the_same_whatever_its_size(gql, factory, app_settings, count_queries):
    admin = await factory.user(role="ADMIN")
    for n in range(50):
        member = await factory.user()
        await points.grant(admin, member.id, n + 1, "Seed", settings=app_settings)
    small = await _leaderboard_cost(gql, count_queries, 5)
    large = await _leaderboard_cost(gql, count_queries, 50)
    assert small == large


async def test_badge_holder_counts_are_batched(gql, factory, app_settings, count_queries):
    from api.domain.engagement import badges
    from api.models.engagement import BadgeTier

    admin, _admin_token = await factory.member_with_token(role="ADMIN")
    member = await factory.user()
    for n in range(6):
        badge = await badges.create_badge(admin, name=f"Badge {n}", tier=BadgeTier.BRONZE, settings=app_settings)
        if n % 2:
            await badges.award_badge(admin, badge.id, member.id, settings=app_settings)
    with count_queries:
        data = await gql(BADGES)
    assert [b["holderCount"] for b in data["badges"]["nodes"]] == [0, 1, 0, 1, 0, 1]
    few = count_queries.count
    for n in range(6, 40):
        await badges.create_badge(admin, name=f"Badge {n}", tier=BadgeTier.BRONZE, settings=app_settings)
    with count_queries:
        await gql(BADGES)
    assert count_queries.count == few
    refused = (
        await gql(
            CREATE_BADGE, {"input": {"name": "Nope", "tier": "GOLD"}}, token=(await factory.member_with_token())[1]
        )
    )["createBadge"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"


async def test_badge_icons_are_media_files(gql, factory, app_settings):
    from api.models.media import MediaFile, MediaKind, MediaPurpose

    admin, admin_token = await factory.member_with_token(role="ADMIN")
    icon = await MediaFile.create(
        owner=admin,
        purpose=MediaPurpose.POST,
        kind=MediaKind.IMAGE,
        mime_type="image/png",
        size=10,
        sha256="a" * 64,
        source_sha256="a" * 64,
        width=64,
        height=64,
    )
    made = (
        await gql(
            CREATE_BADGE,
            {"input": {"name": "Shiny", "tier": "GOLD", "iconId": gid("MediaFile", icon.id)}},
            token=admin_token,
        )
    )["createBadge"]
    assert made["errors"] == []
    missing = (
        await gql(
            CREATE_BADGE,
            {"input": {"name": "Dull", "tier": "GOLD", "iconId": gid("MediaFile", 999)}},
            token=admin_token,
        )
    )["createBadge"]
    assert missing["errors"] == [{"code": "NOT_FOUND"}]
    shown = (await gql("{ badges { nodes { name icon { id } } } }"))["badges"]["nodes"]
    assert shown == [{"name": "Shiny", "icon": {"id": gid("MediaFile", icon.id)}}]
