"""Helpers shared by the engagement modules: text validation, community days, member stats."""

from __future__ import annotations

from datetime import date, datetime

from tortoise.exceptions import IntegrityError

from api import text
from api.db import column, execute
from api.errors import NotFound
from api.models.accounts import User
from api.models.engagement import MemberStats, PointAccount
from api.settings import Settings
from api.timeutil import local_day, now


def clean_text(value: str | None, field: str, max_length: int, *, required: bool = True) -> str:
    """A multi-line text of engagement (message, ticket, auto-reply...): `api.text.block`."""
    return text.block(value, field, max_length, required=required)


def clean_line(value: str | None, field: str, max_length: int, *, required: bool = True) -> str:
    """A one-line text of engagement (title, name, subject): `api.text.line`."""
    return text.line(value, field, max_length, required=required)


# Reasons and notes are stored in 500-character columns, whatever MAX_REASON_LENGTH says.
REASON_COLUMN_LENGTH = 500


def reason_limit(settings: Settings) -> int:
    return min(settings.max_reason_length, REASON_COLUMN_LENGTH)


def community_day(settings: Settings, at: datetime | None = None) -> date:
    return local_day(at or now(), settings.community_timezone)


async def require_user(user_id: int, field: str = "userId") -> User:
    user = await User.filter(id=user_id).first()
    if user is None:
        raise NotFound("No such member.", field=field)
    return user


async def stats_for(user_id: int) -> MemberStats:
    """The member's stats row, created on first use (a concurrent creation is tolerated)."""
    stats = await MemberStats.filter(user_id=user_id).first()
    if stats is None:
        try:
            stats = await MemberStats.create(user_id=user_id)
        except IntegrityError:
            stats = await MemberStats.get(user_id=user_id)
    return stats


async def ensure_accounts(user_ids: set[int]) -> None:
    """The point accounts of these members, the missing ones made in one INSERT (two queries)."""
    missing = sorted(user_ids - set(await column(PointAccount.filter(user_id__in=sorted(user_ids)), "user_id")))
    if missing:
        await execute(
            "INSERT INTO engagement_point_accounts (user_id, balance, earned) VALUES "
            + ", ".join(["(?, 0, 0)"] * len(missing))
            + " ON CONFLICT (user_id) DO NOTHING",
            missing,
        )


async def ensure_account(user_id: int) -> None:
    """Create the member's point account if missing, so later conditional updates always find the
    row (ON CONFLICT DO NOTHING: safe inside a transaction, whoever creates it first)."""
    await ensure_accounts({user_id})
