"""Activity per community day (issue 17): hand counts across the Shanghai day boundary, one
write per member and day, and a returning member's lifecycle stage cleared."""

from __future__ import annotations

from datetime import UTC, date, datetime

from api.domain.activity import record_visit
from api.domain.engagement import analytics
from api.models.accounts import MemberActivity, User, UserStatus
from api.models.forum import Space, Topic, TopicKind

SHANGHAI = "Asia/Shanghai"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


async def test_activity_lands_on_the_community_day_and_stats_agree(app_settings, factory):
    settings = app_settings.replace(community_timezone=SHANGHAI)
    mod = await factory.user("mod", role="MODERATOR")
    early = await factory.user("early")  # 01:00 on the 10th in Shanghai, 17:00 on the 9th in UTC
    late = await factory.user("late")  # 23:30 on the 9th in Shanghai, 15:30 on the 9th in UTC
    await User.filter(id=early.id).update(created_at=utc(9, 16, 30))
    assert await record_visit(early, at=utc(9, 17), settings=settings)
    assert not await record_visit(early, at=utc(10, 3), settings=settings)  # same Shanghai day: no write
    assert await record_visit(late, at=utc(9, 15, 30), settings=settings)
    space = await Space.create(name="General", slug="general")
    await Topic.create(
        space=space, kind=TopicKind.DISCUSSION, author=early, title="Night owl", body="b", last_activity_at=utc(9, 17)
    )
    await Topic.filter(title="Night owl").update(created_at=utc(9, 17, 5))
    assert [(r.user_id, r.day) for r in await MemberActivity.all().order_by("day")] == [
        (late.id, date(2026, 3, 9)),
        (early.id, date(2026, 3, 10)),
    ]
    stats = await analytics.community_stats(
        mod, date(2026, 3, 9), date(2026, 3, 10), analytics.Interval.DAY, settings=settings
    )
    ninth, tenth = stats.buckets
    # Hand count: on the 10th (Shanghai) `early` joined, was active and started a topic.
    assert (tenth.new_members, tenth.active_members, tenth.topics) == (1, 1, 1)
    assert (ninth.new_members, ninth.active_members, ninth.topics) == (0, 1, 0)
    assert (stats.daily_active, stats.weekly_active) == (1, 2)
    # The same rows in UTC would put everything on the 9th: a UTC day is not the community day.
    assert await record_visit(early, at=utc(10, 16, 30), settings=settings)  # 00:30 on the 11th


async def test_a_returning_member_is_active_again(app_settings, factory):
    for stage in (UserStatus.AT_RISK, UserStatus.INACTIVE):
        member = await factory.user()
        await User.filter(id=member.id).update(status=stage, last_active_day=date(2025, 1, 1))
        member = await User.get(id=member.id)
        assert await record_visit(member, settings=app_settings)
        assert (await User.get(id=member.id)).status == UserStatus.ACTIVE
