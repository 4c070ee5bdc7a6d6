"""Growth benchmark: `python -m bench.growth [--members N] [--postgres URL]`.

On a fresh database with N members (default 100,000), a fifth of them active on some of the last
60 community days, measures through the domain functions: community statistics by day over 30
days and by week over 8 weeks (aggregate SQL: the cost per bucket does not grow with members),
retention cohorts, and one run of the lifecycle job (a batch per stage, with reminders).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import timedelta

from bench.database import fresh_database

BATCH = 1000


async def _seed(members: int) -> None:
    from api.db import connection
    from api.timeutil import now

    conn = connection()
    rng = random.Random(17)
    start = now() - timedelta(days=120)
    for first in range(0, members, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, members)):
            joined = start + timedelta(minutes=rng.randrange(120 * 24 * 60))
            rows.append(
                (
                    f"m{n}",
                    f"m{n}",
                    f"m{n}@bench.example",
                    "x",
                    f"Member {n}",
                    "",
                    "[]",
                    "MEMBER",
                    "ACTIVE",
                    joined,
                    0,
                    False,
                    "",
                )
            )
        await conn.execute_many(
            "INSERT INTO users (username, username_key, email, password_hash, display_name, bio, interest_tags, "
            "role, status, created_at, trust_level, trust_level_locked, locale) VALUES "
            + (
                "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
                if conn.capabilities.dialect == "postgres"
                else "(?,?,?,?,?,?,?,?,?,?,?,?,?)"
            ),
            rows,
        )
    ids = [r["id"] for r in await conn.execute_query_dict("SELECT id FROM users")]
    today = now().date()
    activity = []
    for user_id in rng.sample(ids, len(ids) // 5):
        for back in rng.sample(range(60), rng.randrange(1, 15)):
            activity.append((user_id, today - timedelta(days=back), 0, 0))
    placeholder = "($1,$2,$3,$4)" if conn.capabilities.dialect == "postgres" else "(?,?,?,?)"
    for first in range(0, len(activity), BATCH):
        await conn.execute_many(
            f"INSERT INTO member_activity (user_id, day, writes, sign_ins) VALUES {placeholder}",
            activity[first : first + BATCH],
        )
    await conn.execute_script(
        "UPDATE users SET last_active_day = (SELECT MAX(day) FROM member_activity WHERE member_activity.user_id = users.id)"
    )
    print(f"  seeded {members} members, {len(activity)} activity days")


async def _measure(members: int) -> None:
    from api.domain.engagement import analytics
    from api.domain.growth import lifecycle
    from api.models.accounts import Role, User
    from api.settings import get_settings
    from api.timeutil import now

    settings = get_settings()
    staff = User(id=0, role=Role.ADMIN)
    end = now().date()
    for label, start, interval in (
        ("30 days by day", end - timedelta(days=29), analytics.Interval.DAY),
        ("8 weeks by week", end - timedelta(weeks=8), analytics.Interval.WEEK),
    ):
        started = time.perf_counter()
        stats = await analytics.community_stats(staff, start, end, interval, settings=settings)
        print(f"  communityStats {label}: {(time.perf_counter() - started) * 1000:.0f} ms (MAU {stats.monthly_active})")
    started = time.perf_counter()
    await analytics.retention_cohorts(staff, end - timedelta(weeks=8), 8, settings=settings)
    print(f"  retentionCohorts 8 weeks: {(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    step = await lifecycle.advance(settings)  # one run: a batch per stage, each member reminded
    print(
        f"  lifecycle, one run: {sum(step.values())} members moved in {(time.perf_counter() - started) * 1000:.0f} ms"
    )


async def run(args: argparse.Namespace) -> None:
    members = getattr(args, "members", 100_000)
    async with fresh_database(getattr(args, "postgres", None), "guildhall-bench-growth-"):
        await _seed(members)
        await _measure(members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="members in the community")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (a fresh database is created)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
