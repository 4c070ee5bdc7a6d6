"""`dailyCheckIn`: once per calendar day in the community's time zone, with streaks and bonuses."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from api.domain.content import gate
from api.domain.engagement import badges, points
from api.domain.engagement.common import community_day, stats_for
from api.errors import Conflict
from api.models.accounts import User
from api.models.engagement import BadgeCriterion, CheckIn, MemberStats
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction


def streak_bonus(settings: Settings, streak: int) -> int:
    """Bonus points when the streak reaches exactly one of CHECK_IN_STREAK_BONUSES' lengths."""
    return sum(p for days, p in settings.check_in_streak_bonuses if int(days) == streak)


async def daily_check_in(user: User, *, at: datetime | None = None, settings: Settings) -> CheckIn:
    at = at or now()
    user = await gate.may_take_part(user, settings)  # not muted; admitted under an APPROVAL policy
    day = community_day(settings, at)
    stats = await stats_for(user.id)
    try:
        async with transaction():
            # The unique (user, day) row refuses a second check-in, even a concurrent one.
            check_in = await CheckIn.create(user_id=user.id, day=day, streak=0)
            locked = await MemberStats.filter(id=stats.id).select_for_update().first()
            assert locked is not None  # made by stats_for above, never deleted
            stats = locked
            continued = stats.last_check_in_day == day - timedelta(days=1)
            streak = stats.current_streak + 1 if continued else 1
            stats.current_streak, stats.last_check_in_day = streak, day
            stats.longest_streak = max(stats.longest_streak, streak)
            await stats.save(update_fields=["current_streak", "last_check_in_day", "longest_streak"])
            check_in.streak = streak
            await check_in.save(update_fields=["streak"])
    except IntegrityError:
        raise Conflict("You have already checked in today.") from None
    earned = 0
    entry = await points.award(
        settings,
        user.id,
        "daily_check_in",
        source_type="CheckIn",
        source_id=check_in.id,
        dedupe_key=f"check_in:{check_in.id}",
        at=at,
    )
    earned += entry.amount if entry else 0
    if bonus := streak_bonus(settings, check_in.streak):
        entry = await points.award(
            settings,
            user.id,
            "streak_bonus",
            amount=bonus,
            source_type="CheckIn",
            source_id=check_in.id,
            dedupe_key=f"streak_bonus:{check_in.id}",
            reason=f"{check_in.streak}-day check-in streak",
            at=at,
        )
        earned += entry.amount if entry else 0
    if earned:
        await CheckIn.filter(id=check_in.id).update(points=earned)
        check_in.points = earned
    await badges.evaluate(user.id, BadgeCriterion.CHECK_IN_STREAK)
    return check_in


def live_streak(stats: MemberStats | None, settings: Settings, at: datetime | None = None) -> int:
    """The streak still alive today (checked in today or yesterday), else 0."""
    if stats is None or stats.last_check_in_day is None:
        return 0
    today = community_day(settings, at)
    return stats.current_streak if stats.last_check_in_day >= today - timedelta(days=1) else 0
