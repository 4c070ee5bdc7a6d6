"""Member lifecycle: ACTIVE -> AT_RISK -> INACTIVE from days without activity.

Absence is counted in community days from `User.last_active_day` (or from joining, for members
never seen): LIFECYCLE_AT_RISK_DAYS makes an ACTIVE member AT_RISK (and reminds them),
LIFECYCLE_INACTIVE_DAYS makes an AT_RISK member INACTIVE. Staff are never moved. Any request of
the member makes them ACTIVE again (`api.domain.activity.record_visit`). Nothing is deleted.

Each move is one `UPDATE ... RETURNING id` whose WHERE re-checks the stage and the absence, so
with several processes running the job every change is made, and announced, by exactly one. The
members a batch made AT_RISK are reminded together (`remind_at_risk`: a fixed number of queries
per batch), after the move commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.queryset import QuerySet

from api.db import fetch_all
from api.domain.growth.events import MemberStageChanged
from api.domain.notifications import notify_many
from api.errors import Invalid
from api.events import emit
from api.models.accounts import Role, User, UserStatus
from api.policies import banned_ids, require_role
from api.settings import Settings
from api.timeutil import local_day, now
from api.transactions import after_commit

BATCH = 1000


def _absent_since(day: date, tz: str) -> tuple[str, list[Any]]:
    """SQL condition (and parameters): no activity on `day` or later."""
    midnight = datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)
    return ("(last_active_day < ? OR (last_active_day IS NULL AND created_at < ?))", [day, midnight])


async def _move(old: UserStatus, new: UserStatus, days: int, today: date, tz: str) -> list[int]:
    # `days` days absent: last active `days` or more days before today.
    condition, params = _absent_since(today - timedelta(days=days - 1), tz)
    # The inner SELECT bounds the batch (PostgreSQL has no UPDATE ... LIMIT); the outer WHERE
    # re-checks everything, so a member who came back meanwhile is left alone.
    rows = await fetch_all(
        f"UPDATE users SET status = ? WHERE id IN (SELECT id FROM users WHERE status = ? AND role = ? "
        f"AND {condition} ORDER BY id LIMIT ?) AND status = ? AND role = ? AND {condition} RETURNING id",
        [new.value, old.value, Role.MEMBER.value, *params, BATCH, old.value, Role.MEMBER.value, *params],
    )
    return [int(r["id"]) for r in rows]


async def advance(settings: Settings, at: datetime | None = None) -> dict[str, int]:
    """Move absent members one stage on (a batch per stage); how many moved to each stage."""
    if not 0 < settings.lifecycle_at_risk_days < settings.lifecycle_inactive_days:
        return {}  # misconfigured (checked when set): do nothing rather than something wrong
    tz = settings.community_timezone
    today = local_day(at or now(), tz)
    # AT_RISK -> INACTIVE first, so a member spends at least one run AT_RISK (and is reminded).
    inactive = await _move(UserStatus.AT_RISK, UserStatus.INACTIVE, settings.lifecycle_inactive_days, today, tz)
    at_risk = await _move(UserStatus.ACTIVE, UserStatus.AT_RISK, settings.lifecycle_at_risk_days, today, tz)
    for user_id in inactive:
        await emit(MemberStageChanged(user_id=user_id, old=UserStatus.AT_RISK.value, new=UserStatus.INACTIVE.value))
    for user_id in at_risk:
        await emit(MemberStageChanged(user_id=user_id, old=UserStatus.ACTIVE.value, new=UserStatus.AT_RISK.value))
    if at_risk:
        # As the events: once the move commits (at once outside a transaction), and a failure is
        # logged without undoing the move.
        await after_commit(lambda: remind_at_risk(at_risk, settings))
    return {"INACTIVE": len(inactive), "AT_RISK": len(at_risk)}


async def lifecycle_job(settings: Settings) -> bool:
    """Background job: move absent members on (correct with several processes)."""
    return any((await advance(settings)).values())


async def remind_at_risk(user_ids: list[int], settings: Settings) -> int:
    """Members who became AT_RISK hear from the community (a notification, mailed at once unless
    they chose otherwise), all at once; banned members do not. Returns how many were reminded."""
    if not user_ids:
        return 0
    banned = await banned_ids(user_ids)
    return await notify_many(
        [u for u in user_ids if u not in banned],
        "growth.at_risk_reminder",
        subject_type="User",
        subject_is_member=True,
        message=settings.lifecycle_reminder,
    )


def members_by_stage(actor: User | None, stage: UserStatus) -> QuerySet[User]:
    """The review: members (not staff) at a lifecycle stage, least recently active first. Staff only."""
    require_role(actor, Role.MODERATOR)
    try:
        stage = UserStatus(stage)
    except ValueError:
        raise Invalid("No such stage.", field="stage") from None
    return User.filter(role=Role.MEMBER, status=stage).order_by("last_active_day", "id")
