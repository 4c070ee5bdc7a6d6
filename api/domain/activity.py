"""Daily member activity (sign-ins and writes), the base of active-member analytics."""

from __future__ import annotations

from api.db import execute
from api.timeutil import now


async def record_activity(user_id: int, *, sign_in: bool = False) -> None:
    """Count a write (or a sign-in) for today, in one upsert."""
    writes, sign_ins = (0, 1) if sign_in else (1, 0)
    await execute(
        "INSERT INTO member_activity (user_id, day, writes, sign_ins) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id, day) DO UPDATE SET "
        "writes = member_activity.writes + excluded.writes, "
        "sign_ins = member_activity.sign_ins + excluded.sign_ins",
        [user_id, now().date(), writes, sign_ins],
    )
