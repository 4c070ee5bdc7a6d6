"""Daily check-in: once per community day (time zone aware), streaks, longest streak, bonuses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from api.domain.engagement import checkin, points
from api.errors import Conflict
from api.models.engagement import CheckIn, MemberStats, PointEntry

SHANGHAI = "Asia/Shanghai"  # UTC+8: local midnight is 16:00 UTC


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


async def test_streak_continues_across_the_community_midnight_not_the_utc_one(app_settings, factory):
    settings = app_settings.replace(community_timezone=SHANGHAI)
    member = await factory.user()
    first = await checkin.daily_check_in(member, settings=settings, at=utc(1, 15, 59))  # 23:59 on the 1st
    second = await checkin.daily_check_in(member, settings=settings, at=utc(1, 16, 1))  # 00:01 on the 2nd
    assert (first.day.day, first.streak, second.day.day, second.streak) == (1, 1, 2, 2)
    # 15:00 UTC on the 2nd is still the 2nd in Shanghai (another UTC day, the same community day).
    with pytest.raises(Conflict):
        await checkin.daily_check_in(member, settings=settings, at=utc(2, 15))
    third = await checkin.daily_check_in(member, settings=settings, at=utc(2, 16, 30))  # 00:30 on the 3rd
    assert third.streak == 3


async def test_a_missed_day_restarts_the_streak_and_the_longest_is_kept(app_settings, factory):
    member = await factory.user()
    for day in (1, 2, 3):
        await checkin.daily_check_in(member, settings=app_settings, at=utc(day, 8))
    restarted = await checkin.daily_check_in(member, settings=app_settings, at=utc(5, 8))
    assert restarted.streak == 1
    stats = await MemberStats.get(user_id=member.id)
    assert (stats.current_streak, stats.longest_streak) == (1, 3)
    assert checkin.live_streak(stats, app_settings, at=utc(6, 8)) == 1
    assert checkin.live_streak(stats, app_settings, at=utc(7, 8)) == 0


async def test_check_in_points_and_streak_bonuses(app_settings, factory):
    settings = app_settings.replace(
        points_rules=(("daily_check_in", 2),),
        points_daily_caps=(("daily_check_in", 2),),
        check_in_streak_bonuses=(("3", 10),),
    )
    member = await factory.user()
    earned = [(await checkin.daily_check_in(member, settings=settings, at=utc(d, 8))).points for d in (1, 2, 3, 4)]
    assert earned == [2, 2, 12, 2]
    assert await points.balance(member.id) == 18 == await points.ledger_balance(member.id)
    assert await PointEntry.filter(user_id=member.id, rule="streak_bonus").count() == 1


async def test_concurrent_duplicate_check_ins_count_once(app_settings, factory):
    member = await factory.user()
    results = await asyncio.gather(
        *[checkin.daily_check_in(member, settings=app_settings, at=utc(9, 9)) for _ in range(6)], return_exceptions=True
    )
    assert sum(isinstance(r, CheckIn) for r in results) == 1
    assert all(isinstance(r, (CheckIn, Conflict)) for r in results), results
    assert await CheckIn.filter(user_id=member.id).count() == 1
    assert await points.balance(member.id) == dict(app_settings.points_rules)["daily_check_in"]
