"""Issue 17, analytics you can trust: activity is recorded per community day, reads count,
and a member's day is written once whatever the number of requests."""

from __future__ import annotations

from api.models.accounts import MemberActivity
from api.timeutil import local_day, now

VIEWER = "query { viewer { user { id } } }"
STATS = """query($from: Date!, $to: Date!) { communityStats(from: $from, to: $to, interval: DAY) {
  dailyActive buckets { start activeMembers } } }"""


def _zone_on_another_day() -> str:
    """A time zone whose calendar day differs from UTC's right now (UTC+14 after 10:00 UTC,
    UTC-12 before 12:00 UTC), so a UTC day would be the wrong one."""
    return "Etc/GMT-14" if now().hour >= 10 else "Etc/GMT+12"


async def test_a_member_who_only_reads_is_active_on_the_community_day(gql, factory, set_community):
    zone = _zone_on_another_day()
    await set_community(community_timezone=zone)
    member, token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    assert (await gql(VIEWER, token=token))["viewer"]
    today = local_day(now(), zone)
    assert today != now().date()
    stats = (await gql(STATS, {"from": today.isoformat(), "to": today.isoformat()}, token=mod_token))["communityStats"]
    # The member who only read, and the moderator reading the statistics.
    assert stats["dailyActive"] == 2 and stats["buckets"] == [{"start": today.isoformat(), "activeMembers": 2}]
    assert [row.day for row in await MemberActivity.filter(user_id=member.id)] == [today]


async def test_a_day_of_requests_writes_the_member_activity_once(gql, factory, app_settings, count_queries):
    member, token = await factory.member_with_token()
    await gql(VIEWER, token=token)
    with count_queries:
        for _ in range(3):
            await gql(VIEWER, token=token)
            await gql("""mutation { updateProfile(input: {bio: "hello"}) { errors { code } } }""", token=token)
    written = [s for s in count_queries.statements if "member_activity" in s.lower()]
    assert written == []
    rows = await MemberActivity.filter(user_id=member.id)
    assert len(rows) == 1 and rows[0].day == now().date()


CSV = """query($from: Date!, $to: Date!, $table: StatsTable!) {
  communityStatsCsv(from: $from, to: $to, table: $table, interval: DAY) }"""
STICKY = """query($from: Date!, $to: Date!) { communityStats(from: $from, to: $to, interval: DAY) {
  dailyActive monthlyActive stickiness buckets { newMembers activeMembers returningMembers articles resources } } }"""


async def test_every_analytics_table_comes_as_csv_for_staff_only(gql, factory):
    _, member_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    today = now().date().isoformat()
    variables = {"from": today, "to": today}
    for table in ("BUCKETS", "RETENTION", "CONTRIBUTORS", "SPACES"):
        body = await gql(CSV, {**variables, "table": table}, token=member_token, expect_errors=True)
        assert body["data"] is None and body["errors"][0]["message"] == "This needs the moderator role."
    lines = (await gql(CSV, {**variables, "table": "BUCKETS"}, token=mod_token))["communityStatsCsv"].splitlines()
    assert lines[0].startswith("start,end,new_members,active_members,returning_members,")
    assert lines[1].startswith(f"{today},{today},2,2,0,")
    stats = (await gql(STICKY, variables, token=mod_token))["communityStats"]
    assert (stats["dailyActive"], stats["monthlyActive"], stats["stickiness"]) == (2, 2, 1.0)
    retention = (await gql(CSV, {**variables, "table": "RETENTION"}, token=mod_token))["communityStatsCsv"]
    assert retention.splitlines()[0] == "week_start,size,week_0"
