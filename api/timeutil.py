"""Time helpers: every stored time is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def local_day(at: datetime, tz_name: str) -> date:
    """The calendar day of `at` in the community's time zone."""
    return at.astimezone(ZoneInfo(tz_name)).date()
