"""Inactive members: find those with no write or sign-in for a number of days, remind them
(a notification), or mark them INACTIVE. Nothing here deletes data: their content stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from api.domain.notifications import notify
from api.errors import Invalid
from api.models.accounts import MemberActivity, Role, User, UserStatus
from api.policies import require_role
from api.settings import Settings
from api.timeutil import now

MAX_DAYS = 3650
MAX_BATCH = 500


def inactive_query(actor: User | None, days: int) -> QuerySet[Any]:
    """Members (not staff) with no activity in the last `days` days who joined before then,
    least recently seen first. Staff only."""
    require_role(actor, Role.MODERATOR)
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"Use 1 to {MAX_DAYS} days.", field="days")
    since = now() - timedelta(days=days)
    recent = Subquery(MemberActivity.filter(day__gte=since.date()).values("user_id"))
    return User.filter(role=Role.MEMBER, created_at__lt=since).exclude(id__in=recent).order_by("last_seen_at", "id")


async def _targets(actor: User, days: int, user_ids: list[int] | None) -> list[User]:
    query = inactive_query(actor, days)
    if user_ids is not None:
        if len(user_ids) > MAX_BATCH:
            raise Invalid(f"Act on at most {MAX_BATCH} members at once.", field="userIds")
        query = query.filter(id__in=user_ids)
    return list(await query.limit(MAX_BATCH))


async def remind(
    actor: User | None, days: int, user_ids: list[int] | None = None, message: str = "", *, settings: Settings
) -> int:
    """Notify inactive members (all of them, or those of `user_ids` still inactive)."""
    staff = require_role(actor, Role.MODERATOR)
    text = (message or "").strip() or "We miss you! See what is new in the community."
    if len(text) > settings.max_reason_length:
        raise Invalid(f"Use at most {settings.max_reason_length} characters.", field="message")
    sent = 0
    for user in await _targets(staff, days, user_ids):
        if await notify(user.id, "engagement.inactive_reminder", actor_id=staff.id, message=text):
            sent += 1
    return sent


async def mark_inactive(actor: User | None, days: int, user_ids: list[int] | None = None) -> int:
    """Set status INACTIVE on inactive members; returns how many changed."""
    admin = require_role(actor, Role.ADMIN)
    ids = [u.id for u in await _targets(admin, days, user_ids) if u.status != UserStatus.INACTIVE]
    if not ids:
        return 0
    return await User.filter(id__in=ids).update(status=UserStatus.INACTIVE)
