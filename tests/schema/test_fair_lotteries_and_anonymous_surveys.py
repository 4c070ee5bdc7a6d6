"""Issue 18 through GraphQL: lotteries frozen and committed before the draw and verified after it,
members entering themselves (refusals change nothing), anonymous surveys that name nobody."""

from __future__ import annotations

import csv
import io

from strawberry.relay import GlobalID

from api.domain.engagement import lotteries, points
from api.models.engagement import EligibleSet, Lottery, LotteryEntrant, LotteryWinner
from tests.platform.test_mutations import _snapshot

CREATE = """mutation($input: CreateLotteryInput!) { createLottery(input: $input) {
  lottery { id status selfEntry entryCost commitment } errors { field code } } }"""
ENTER = """mutation($input: LotteryRefInput!) { enterLottery(input: $input) {
  lottery { id } errors { field code } } }"""
FREEZE = """mutation($input: LotteryRefInput!) { freezeLottery(input: $input) {
  lottery { status commitment entrantsHash eligibleUserIds seed frozenAt } errors { field code } } }"""
DRAW = """mutation($input: LotteryRefInput!) { drawLottery(input: $input) {
  lottery { status seed verified winners { user { username } } } errors { field code } } }"""
VERIFY = """query($id: ID!) { verifyLotteryDraw(lotteryId: $id) {
  entrantsMatch commitmentMatches winnersMatch valid expectedWinnerIds } }"""
LOTTERIES = """query($first: Int) { lotteries(first: $first) { nodes { title status commitment entrantsHash
  eligibleUserIds selfEntry entryCost verified winners { rank user { username } } } } }"""
CREATE_SURVEY = """mutation($input: CreateSurveyInput!) { createSurvey(input: $input) {
  survey { id anonymous questions { id } } errors { field code } } }"""
SUBMIT = """mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) {
  survey { viewerResponded viewerAnswers { text } } errors { field code } } }"""
CSV = "query($id: ID!) { surveyCsv(surveyId: $id) }"


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def test_members_enter_freeze_commits_and_the_draw_verifies(gql, factory, app_settings):
    _admin, mod_token = await factory.member_with_token(role="MODERATOR")
    created = (
        await gql(
            CREATE,
            {"input": {"title": "Raffle", "eligibleSet": "LIST", "winnerCount": 2, "selfEntry": True, "entryCost": 5}},
            token=mod_token,
        )
    )["createLottery"]
    assert created["errors"] == [] and created["lottery"]["commitment"] is None
    lottery_id = created["lottery"]["id"]
    entrants = []
    for _ in range(4):
        member, token = await factory.member_with_token()
        await points.grant(await factory.user(role="ADMIN"), member.id, 10, "gift", settings=app_settings)
        assert (await gql(ENTER, {"input": {"lotteryId": lottery_id}}, token=token))["enterLottery"]["errors"] == []
        entrants.append(member)

    frozen = (await gql(FREEZE, {"input": {"lotteryId": lottery_id}}, token=mod_token))["freezeLottery"]
    assert frozen["errors"] == [] and frozen["lottery"]["status"] == "FROZEN" and frozen["lottery"]["seed"] is None
    assert frozen["lottery"]["eligibleUserIds"] == sorted(m.id for m in entrants)
    # A late entrant is refused and nothing changes.
    late, late_token = await factory.member_with_token()
    await points.grant(await factory.user(role="ADMIN"), late.id, 10, "gift", settings=app_settings)
    await gql("{ viewer { user { id } } }", token=late_token)  # last-seen update happens now
    before = await _snapshot()
    refused = (await gql(ENTER, {"input": {"lotteryId": lottery_id}}, token=late_token))["enterLottery"]
    assert refused["errors"][0]["code"] == "CLOSED" and await _snapshot() == before

    drawn = (await gql(DRAW, {"input": {"lotteryId": lottery_id}}, token=mod_token))["drawLottery"]
    assert drawn["errors"] == [] and drawn["lottery"]["verified"] is True
    check = (await gql(VERIFY, {"id": lottery_id}))["verifyLotteryDraw"]
    assert check["valid"] and check["entrantsMatch"] and check["commitmentMatches"] and check["winnersMatch"]
    pk = int(GlobalID.from_id(lottery_id).node_id)
    assert check["expectedWinnerIds"] == list(
        await LotteryWinner.filter(lottery_id=pk).order_by("rank").values_list("user_id", flat=True)
    )

    # The list changed after the commitment: detected.
    await Lottery.filter(id=pk).update(eligible_user_ids=sorted([*(m.id for m in entrants), late.id]))
    check = (await gql(VERIFY, {"id": lottery_id}))["verifyLotteryDraw"]
    assert not check["entrantsMatch"] and not check["valid"]


async def test_entering_is_refused_where_not_allowed_or_unaffordable_and_nothing_changes(gql, factory, app_settings):
    mod = await factory.user(role="MODERATOR")
    staff_list = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(title="Staff list", eligible_set=EligibleSet.LIST, winner_count=1),
        settings=app_settings,
    )
    paid = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Paid", eligible_set=EligibleSet.LIST, winner_count=1, self_entry=True, entry_cost=50
        ),
        settings=app_settings,
    )
    member, token = await factory.member_with_token()
    await points.grant(await factory.user(role="ADMIN"), member.id, 20, "gift", settings=app_settings)
    await gql("{ viewer { user { id } } }", token=token)
    before = await _snapshot()
    for lottery, code in ((staff_list, "INVALID"), (paid, "QUOTA_EXCEEDED")):
        body = (await gql(ENTER, {"input": {"lotteryId": gid("Lottery", lottery.id)}}, token=token))["enterLottery"]
        assert [e["code"] for e in body["errors"]] == [code]
    assert await _snapshot() == before
    assert await LotteryEntrant.all().count() == 0


async def test_a_page_of_50_lotteries_costs_the_same_as_5(gql, factory, app_settings, count_queries):
    mod = await factory.user(role="MODERATOR")
    members = [await factory.user() for _ in range(3)]
    for i in range(55):
        lottery = await lotteries.create_lottery(
            mod,
            lotteries.LotteryInput(
                title=f"L{i}", eligible_set=EligibleSet.LIST, winner_count=1, user_ids=[m.id for m in members]
            ),
            settings=app_settings,
        )
        if i % 2:
            await lotteries.freeze(mod, lottery.id, settings=app_settings)
            await lotteries.draw(mod, lottery.id, settings=app_settings)
    await gql(LOTTERIES, {"first": 1})
    counts = []
    for first in (5, 50):
        with count_queries as counter:
            data = await gql(LOTTERIES, {"first": first})
        counts.append(counter.count)
    nodes = data["lotteries"]["nodes"]
    assert len(nodes) == 50 and any(n["verified"] for n in nodes) and any(n["commitment"] is None for n in nodes)
    assert counts[0] == counts[1], counts


async def test_anonymous_survey_through_graphql_names_nobody(gql, factory):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    created = (
        await gql(
            CREATE_SURVEY,
            {
                "input": {
                    "title": "Honest",
                    "anonymous": True,
                    "questions": [{"kind": "TEXT", "prompt": "What should change?"}],
                }
            },
            token=mod_token,
        )
    )["createSurvey"]
    assert created["errors"] == [] and created["survey"]["anonymous"] is True
    survey_id, question = created["survey"]["id"], created["survey"]["questions"][0]["id"]
    _member, token = await factory.member_with_token(username="whistle")
    answer = {"surveyId": survey_id, "answers": [{"questionId": question, "text": "Shorter meetings"}]}
    body = (await gql(SUBMIT, {"input": answer}, token=token))["submitSurveyResponse"]
    assert body["errors"] == [] and body["survey"] == {"viewerResponded": True, "viewerAnswers": None}
    before = await _snapshot()
    again = (await gql(SUBMIT, {"input": answer}, token=token))["submitSurveyResponse"]
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"] and await _snapshot() == before
    table = list(csv.reader(io.StringIO((await gql(CSV, {"id": survey_id}, token=mod_token))["surveyCsv"])))
    assert table == [["Q1: What should change?"], ["Shorter meetings"]]
    assert "whistle" not in str(table)


async def test_a_survey_for_a_role_through_graphql(gql, factory):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    created = (
        await gql(
            """mutation($input: CreateSurveyInput!) { createSurvey(input: $input) {
      survey { id audience audienceRoles } errors { field code } } }""",
            {
                "input": {
                    "title": "Moderation load",
                    "audience": "ROLES",
                    "audienceRoles": ["MODERATOR"],
                    "questions": [{"kind": "RATING", "prompt": "How busy?"}],
                }
            },
            token=mod_token,
        )
    )["createSurvey"]
    assert created["errors"] == [] and created["survey"]["audienceRoles"] == ["MODERATOR"]
    _, token = await factory.member_with_token()
    listed = (await gql("query { surveys { totalCount } }", token=token))["surveys"]["totalCount"]
    assert listed == 0
    bad = (
        await gql(
            """mutation($input: CreateSurveyInput!) { createSurvey(input: $input) {
      survey { id } errors { field code } } }""",
            {"input": {"title": "x", "audience": "TRUST_LEVEL", "questions": [{"kind": "TEXT", "prompt": "?"}]}},
            token=mod_token,
        )
    )["createSurvey"]
    assert [e["field"] for e in bad["errors"]] == ["audienceMinTrustLevel"]
