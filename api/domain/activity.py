"""Daily member activity, the base of active-member analytics and of the member lifecycle.

A member is active on a community day (COMMUNITY_TIMEZONE) when any request of theirs is
served that day: reads count as much as writes and sign-ins. The day is claimed once on the
member's row (`User.last_active_day`, a conditional update: with several processes one wins),
and the winner adds the `member_activity` row; every later request that day sees the day on
the already-loaded member and writes nothing. Coming back clears the lifecycle stage
(AT_RISK, INACTIVE) in the same claim.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from api.db import execute
from api.models.accounts import User, UserStatus
from api.settings import Settings
from api.timeutil import local_day, now


async def record_visit(user: User, *, sign_in: bool = False, at: datetime | None = None, settings: Settings) -> bool:
    """Count `user` active on the community day of `at` (now); True when this call wrote it."""
    day = local_day(at or now(), settings.community_timezone)
    if user.last_active_day == day:
        return False
    claimed = await User.filter(Q(last_active_day__isnull=True) | ~Q(last_active_day=day), id=user.id).update(
        last_active_day=day, status=UserStatus.ACTIVE
    )
    old = user.status
    user.last_active_day, user.status = day, UserStatus.ACTIVE
    if not claimed:
        return False
    # `writes` / `sign_ins` say how the day began (1 or 0); the row itself is the fact.
    await execute(
        "INSERT INTO member_activity (user_id, day, writes, sign_ins) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id, day) DO NOTHING",
        [user.id, day, 0, 1 if sign_in else 0],
    )
    if old != UserStatus.ACTIVE:
        from api.domain.growth.events import MemberStageChanged
        from api.events import emit

        await emit(MemberStageChanged(user_id=user.id, old=UserStatus(old).value, new=UserStatus.ACTIVE.value))
    return True
