"""Analytics against a hand-counted fixture (two weeks of March 2026, community time UTC),
and inactive members. Every expected figure below is counted by hand from `community`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.domain.engagement import analytics, inactive
from api.errors import Forbidden, Invalid
from api.models.accounts import MemberActivity, User, UserStatus
from api.models.engagement import CheckIn, Event, PointEntry, Rsvp, RsvpStatus
from api.models.forum import Post, Space, Topic, TopicKind, Vote
from api.models.notifications import Notification
from api.timeutil import now

START, END = date(2026, 3, 2), date(2026, 3, 15)  # Monday 2 to Sunday 15


def t(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


async def _created(model, row, moment: datetime, field: str = "created_at"):
    await model.filter(id=row.id).update(**{field: moment})
    return row


async def _topic(space, author, kind, moment, **extra):
    topic = await Topic.create(
        space=space, kind=kind, author=author, title=f"T{moment}", body="b", last_activity_at=moment, **extra
    )
    return await _created(Topic, topic, moment)


async def _post(topic, author, moment, position, **extra):
    post = await Post.create(topic=topic, author=author, position=position, body="p", **extra)
    return await _created(Post, post, moment)


@pytest.fixture
async def community(factory):
    u1 = await _created(User, await factory.user("u1"), datetime(2026, 2, 20, tzinfo=UTC))
    u2 = await _created(User, await factory.user("u2"), t(2, 10))
    u3 = await _created(User, await factory.user("u3"), t(3, 10))
    u4 = await _created(User, await factory.user("u4"), t(10, 10))
    mod = await _created(User, await factory.user("mod", role="MODERATOR"), datetime(2026, 1, 1, tzinfo=UTC))
    for user, days in ((u1, (2, 3, 10)), (u2, (2, 9)), (u3, (3,)), (u4, (10, 11))):
        for day in days:
            await MemberActivity.create(user=user, day=date(2026, 3, day), writes=1)
    general = await Space.create(name="General", slug="general", position=0)
    help_ = await Space.create(name="Help", slug="help", position=1)
    t1 = await _topic(general, u1, TopicKind.DISCUSSION, t(2, 9))
    await _post(t1, u2, t(2, 10), 1)
    await _post(t1, u3, t(3, 10), 2, held=True)  # held: not counted
    await _topic(general, u4, TopicKind.DISCUSSION, t(10, 11), deleted_at=t(10, 12))  # deleted: not counted
    q1 = await _topic(help_, u2, TopicKind.QUESTION, t(2, 12))
    a1 = await _post(q1, u1, t(2, 13), 1)  # first answer after 1 hour
    await _post(q1, u3, t(2, 15), 2)
    await Topic.filter(id=q1.id).update(accepted_post_id=a1.id)
    q2 = await _topic(help_, u3, TopicKind.QUESTION, t(3, 8))
    await _post(q2, u3, t(3, 9), 1)  # the asker's own answer does not count as a first answer
    await _post(q2, u1, t(3, 11), 2)  # first answer by someone else after 3 hours
    await _topic(help_, u4, TopicKind.QUESTION, t(10, 10))  # unanswered
    for voter, subject, moment in ((u2, a1.id, t(2, 14)), (u3, a1.id, t(2, 16)), (u4, q2.id, t(11))):
        vote = await Vote.create(user=voter, subject_type="Post", subject_id=subject, value=1)
        await _created(Vote, vote, moment)
    for user, day in ((u1, 2), (u1, 3), (u2, 9)):
        await CheckIn.create(user=user, day=date(2026, 3, day), streak=1)
    event = await Event.create(
        title="Meetup", starts_at=t(10, 13), ends_at=t(10, 16), location="Hall", check_in_code="ABC234", organiser=mod
    )
    for user in (u1, u4):
        await Rsvp.create(event=event, user=user, status=RsvpStatus.GOING, queued_at=t(5), checked_in_at=t(10, 14))
    await Rsvp.create(event=event, user=u2, status=RsvpStatus.GOING, queued_at=t(5))  # did not come
    for user, amount, rule, day in (
        (u1, 10, "post", 3),
        (u1, 4, "post", 20),
        (u2, 5, "answer", 9),
        (u3, -30, "redemption", 4),
        (u3, 3, "post", 4),
    ):
        await PointEntry.create(user=user, amount=amount, rule=rule, day=date(2026, 3, day))
    return {"u1": u1, "u2": u2, "u3": u3, "u4": u4, "mod": mod, "general": general, "help": help_}


async def test_weekly_figures_match_the_hand_count(app_settings, community):
    stats = await analytics.community_stats(
        community["mod"], START, END, analytics.Interval.WEEK, settings=app_settings
    )
    week1, week2 = stats.buckets
    assert (week1.start, week1.end, week2.start, week2.end) == (START, date(2026, 3, 8), date(2026, 3, 9), END)
    assert (week1.new_members, week2.new_members) == (2, 1)
    assert (week1.active_members, week2.active_members) == (3, 3)
    assert (week1.topics, week2.topics) == (3, 1)
    assert (week1.questions, week2.questions) == (2, 1)
    assert (week1.posts, week2.posts) == (5, 0)
    assert (week1.answers, week2.answers) == (4, 0)
    assert (week1.acceptance_rate, week2.acceptance_rate) == (0.5, 0.0)
    assert (week1.median_first_answer_seconds, week2.median_first_answer_seconds) == (7200, None)
    assert (week1.votes, week2.votes) == (2, 1)
    assert (week1.check_ins, week2.check_ins) == (2, 1)
    assert (week1.event_attendance, week2.event_attendance) == (0, 2)
    assert (stats.daily_active, stats.weekly_active, stats.monthly_active) == (0, 3, 4)
    assert stats.stickiness == 0.0
    # u1 joined in February (returning in week 1); u2 and u4 joined before week 2, u4 during it.
    assert (week1.returning_members, week2.returning_members) == (1, 2)


async def test_daily_and_monthly_buckets(app_settings, community):
    days = await analytics.community_stats(community["mod"], START, END, analytics.Interval.DAY, settings=app_settings)
    assert len(days.buckets) == 14
    by_day = {b.start.day: b for b in days.buckets}
    assert [by_day[d].active_members for d in (2, 3, 4, 9, 10, 11)] == [2, 2, 0, 1, 2, 1]
    assert [by_day[d].new_members for d in (2, 3, 10)] == [1, 1, 1]
    assert (by_day[2].median_first_answer_seconds, by_day[3].median_first_answer_seconds) == (3600, 10800)
    assert (by_day[2].posts, by_day[3].posts) == (3, 2)
    month = await analytics.community_stats(
        community["mod"], START, END, analytics.Interval.MONTH, settings=app_settings
    )
    (only,) = month.buckets
    assert (only.new_members, only.active_members, only.topics, only.posts, only.votes) == (3, 4, 4, 5, 3)


async def test_buckets_follow_the_community_time_zone(app_settings, community):
    # In Shanghai (UTC+8), u4 joined at 18:00 on the 10th; a topic created at 16:30 UTC on the 2nd
    # belongs to the 3rd.
    settings = app_settings.replace(community_timezone="Asia/Shanghai")
    late = await _topic(
        community["general"], community["u1"], TopicKind.DISCUSSION, datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    )
    assert late.id
    days = await analytics.community_stats(community["mod"], START, END, analytics.Interval.DAY, settings=settings)
    by_day = {b.start.day: b for b in days.buckets}
    assert (by_day[2].topics, by_day[3].topics) == (2, 2)


async def test_retention_cohorts_by_join_week(app_settings, community):
    cohorts = await analytics.retention_cohorts(community["mod"], date(2026, 3, 4), 2, settings=app_settings)
    assert [(c.week_start, c.size, c.active) for c in cohorts] == [(START, 2, [2, 1]), (date(2026, 3, 9), 1, [1])]
    assert cohorts[0].retention == [1.0, 0.5]


async def test_top_contributors_and_engagement_per_space(app_settings, community):
    top = await analytics.top_contributors(community["mod"], START, END, settings=app_settings)
    ids = {community[n].id: n for n in ("u1", "u2", "u3")}
    assert [(ids[c.user_id], c.points, c.posts) for c in top] == [("u1", 10, 2), ("u2", 5, 1), ("u3", 3, 2)]
    spaces = await analytics.engagement_by_space(community["mod"], START, END, settings=app_settings)
    assert [(s.name, s.topics, s.posts, s.contributors) for s in spaces] == [("General", 1, 1, 2), ("Help", 3, 4, 4)]


async def test_analytics_are_staff_only_and_ranges_are_checked(app_settings, community):
    member = community["u1"]
    for call in (
        analytics.community_stats(member, START, END, analytics.Interval.DAY, settings=app_settings),
        analytics.retention_cohorts(member, START, 4, settings=app_settings),
        analytics.top_contributors(member, START, END, settings=app_settings),
        analytics.engagement_by_space(member, START, END, settings=app_settings),
    ):
        with pytest.raises(Forbidden):
            await call
    with pytest.raises(Invalid):
        await analytics.community_stats(community["mod"], END, START, analytics.Interval.DAY, settings=app_settings)
    with pytest.raises(Invalid):
        await analytics.community_stats(
            community["mod"], date(2020, 1, 1), END, analytics.Interval.DAY, settings=app_settings
        )


async def test_inactive_members_are_found_reminded_and_marked_without_deleting(app_settings, factory):
    admin, mod = await factory.user(role="ADMIN"), await factory.user(role="MODERATOR")
    long_ago = now() - timedelta(days=100)
    quiet = await _created(User, await factory.user("quiet"), long_ago)
    busy = await _created(User, await factory.user("busy"), long_ago)
    await _created(User, await factory.user("newbie"), now() - timedelta(days=5))
    await MemberActivity.create(user=quiet, day=(now() - timedelta(days=50)).date(), writes=3)
    await MemberActivity.create(user=busy, day=(now() - timedelta(days=2)).date(), writes=1)
    space = await Space.create(name="General", slug="general")
    await _topic(space, quiet, TopicKind.DISCUSSION, long_ago)
    assert [u.username for u in await inactive.inactive_query(mod, 30)] == ["quiet"]
    with pytest.raises(Forbidden):
        inactive.inactive_query(busy, 30)
    with pytest.raises(Forbidden):
        await inactive.remind(busy, 30, settings=app_settings)
    assert await inactive.remind(mod, 30, settings=app_settings) == 1
    assert await Notification.filter(user_id=quiet.id, kind="engagement.inactive_reminder").count() == 1
    with pytest.raises(Forbidden):
        await inactive.mark_inactive(mod, 30)
    assert await inactive.mark_inactive(admin, 30, [quiet.id, busy.id]) == 1
    assert (await User.get(id=quiet.id)).status == UserStatus.INACTIVE
    assert (await User.get(id=busy.id)).status == UserStatus.ACTIVE
    assert await Topic.filter(author_id=quiet.id).count() == 1  # content stays
    with pytest.raises(Invalid):
        inactive.inactive_query(mod, 0)
