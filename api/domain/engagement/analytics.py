"""Community analytics for staff, computed with aggregate SQL.

Periods are community calendar days (COMMUNITY_TIMEZONE). A range is cut into buckets (days,
Monday weeks, calendar months); each metric is one GROUP BY query whose bucket is a CASE over
the bucket boundaries, so the same SQL runs on SQLite and PostgreSQL. Only the median time to
first answer is finished in Python, over one aggregated row per question.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from api.db import fetch_all
from api.errors import Invalid
from api.models.accounts import Role, User
from api.policies import require_role
from api.settings import Settings

MAX_BUCKETS = 400
MAX_COHORT_WEEKS = 26
COUNTED = "deleted_at IS NULL AND held = ?"  # published content only (hidden still happened)


class Interval(str, Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


def buckets(start: date, end: date, interval: Interval) -> list[tuple[date, date]]:
    """[first day, day after last) of each bucket covering start..end (inclusive), aligned to
    Monday weeks or calendar months and clipped to the range."""
    out: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        if interval is Interval.DAY:
            nxt = cursor + timedelta(days=1)
        elif interval is Interval.WEEK:
            nxt = cursor + timedelta(days=7 - cursor.weekday())
        else:
            nxt = (cursor.replace(day=1) + timedelta(days=32)).replace(day=1)
        nxt = min(nxt, end + timedelta(days=1))
        out.append((cursor, nxt))
        cursor = nxt
    return out


def _instant(day: date, tz: str) -> datetime:
    """UTC instant of the community midnight starting `day`."""
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def _case(column: str, bounds: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """`CASE WHEN column >= lo AND column < hi THEN i ... END` and its parameters."""
    parts, params = [], []
    for index, (lo, hi) in enumerate(bounds):
        parts.append(f"WHEN {column} >= ? AND {column} < ? THEN {index}")
        params += [lo, hi]
    return "CASE " + " ".join(parts) + " END", params


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Bucket:
    start: date
    end: date  # last day, inclusive
    new_members: int = 0
    active_members: int = 0
    topics: int = 0
    posts: int = 0
    questions: int = 0
    answers: int = 0
    accepted_questions: int = 0
    median_first_answer_seconds: float | None = None
    votes: int = 0
    check_ins: int = 0
    event_attendance: int = 0
    returning_members: int = 0  # active members who joined before the bucket
    articles: int = 0  # knowledge-base articles first published
    resources: int = 0  # resource library entries added

    @property
    def acceptance_rate(self) -> float | None:
        return None if not self.questions else self.accepted_questions / self.questions


@dataclass
class CommunityStats:
    start: date
    end: date
    interval: Interval
    buckets: list[Bucket]
    daily_active: int
    weekly_active: int
    monthly_active: int

    @property
    def stickiness(self) -> float | None:
        """DAU / MAU on the last day; None without monthly actives."""
        return None if not self.monthly_active else self.daily_active / self.monthly_active


async def _grouped(
    sql_from: str, column: str, bounds: list[tuple[Any, ...]], params: list[Any], value: str = "COUNT(*)"
) -> dict[int, float]:
    """`value` per bucket of `column` over the rows of `sql_from` (aliased `x`, may carry a WHERE)."""
    case, case_params = _case(column, bounds)
    # Bound the rows to the range first, so an index on `column` serves it: the cost follows the
    # rows in the range, not the table.
    joiner = "AND" if " WHERE " in f" {sql_from} " else "WHERE"
    rows = await fetch_all(
        f"SELECT b, {value} AS n FROM (SELECT {case} AS b, x.* FROM {sql_from} "
        f"{joiner} {column} >= ? AND {column} < ?) AS y WHERE b IS NOT NULL GROUP BY b",
        [*case_params, *params, bounds[0][0], bounds[-1][1]],
    )
    return {int(r["b"]): float(r["n"] or 0) for r in rows}


async def community_stats(
    actor: User | None, start: date, end: date, interval: Interval, *, settings: Settings
) -> CommunityStats:
    require_role(actor, Role.MODERATOR)
    if end < start:
        raise Invalid("The range must end on or after its start.", field="to")
    spans = buckets(start, end, Interval(interval))
    if len(spans) > MAX_BUCKETS:
        raise Invalid(f"Ask for at most {MAX_BUCKETS} buckets; use a wider interval.", field="interval")
    tz = settings.community_timezone
    days = list(spans)
    moments = [(_instant(lo, tz), _instant(hi, tz)) for lo, hi in spans]
    result = [Bucket(start=lo, end=hi - timedelta(days=1)) for lo, hi in spans]

    def fill(name: str, values: dict[int, float]) -> None:
        for index, value in values.items():
            setattr(result[index], name, int(value))

    fill("new_members", await _grouped("users x", "x.created_at", moments, []))
    fill("active_members", await _grouped("member_activity x", "x.day", days, [], value="COUNT(DISTINCT user_id)"))
    fill("topics", await _grouped(f"forum_topics x WHERE {COUNTED}", "x.created_at", moments, [False]))
    fill(
        "questions",
        await _grouped(f"forum_topics x WHERE {COUNTED} AND kind = ?", "x.created_at", moments, [False, "QUESTION"]),
    )
    fill(
        "accepted_questions",
        await _grouped(
            f"forum_topics x WHERE {COUNTED} AND kind = ? AND accepted_post_id IS NOT NULL",
            "x.created_at",
            moments,
            [False, "QUESTION"],
        ),
    )
    fill("posts", await _grouped(f"forum_posts x WHERE x.{COUNTED}", "x.created_at", moments, [False]))
    fill(
        "answers",
        await _grouped(
            f"forum_posts x WHERE x.{COUNTED} AND x.topic_id IN (SELECT id FROM forum_topics WHERE kind = ?)",
            "x.created_at",
            moments,
            [False, "QUESTION"],
        ),
    )
    fill("votes", await _grouped("forum_votes x", "x.created_at", moments, []))
    fill("check_ins", await _grouped("engagement_check_ins x", "x.day", days, []))
    fill(
        "event_attendance",
        await _grouped("engagement_rsvps x WHERE checked_in_at IS NOT NULL", "x.checked_in_at", moments, []),
    )
    fill(
        "articles",
        await _grouped(
            "kb_articles x WHERE published_at IS NOT NULL AND hidden = ?", "x.published_at", moments, [False]
        ),
    )
    fill("resources", await _grouped("kb_resources x WHERE hidden = ?", "x.created_at", moments, [False]))
    # Returning: active in a bucket, joined before it (joined bucket -1 = before the range).
    day_case, day_params = _case("a.day", days)
    join_case, join_params = _case("u.created_at", moments)
    rows = await fetch_all(
        f"SELECT b, COUNT(DISTINCT user_id) AS n FROM (SELECT {day_case} AS b, "
        f"CASE WHEN u.created_at < ? THEN -1 {join_case[5:]} AS j, a.user_id "
        "FROM member_activity a JOIN users u ON u.id = a.user_id WHERE a.day >= ? AND a.day < ?) AS y "
        "WHERE b IS NOT NULL AND j IS NOT NULL AND j < b GROUP BY b",
        [*day_params, moments[0][0], *join_params, days[0][0], days[-1][1]],
    )
    fill("returning_members", {int(r["b"]): r["n"] for r in rows})
    # Time to first answer: one aggregated row per question asked in the range.
    case, case_params = _case("t.created_at", moments)
    rows = await fetch_all(
        f"SELECT {case} AS b, t.created_at AS asked, MIN(p.created_at) AS answered "
        "FROM forum_topics t JOIN forum_posts p ON p.topic_id = t.id AND p.deleted_at IS NULL AND p.held = ? "
        "AND (t.author_id IS NULL OR p.author_id IS NULL OR p.author_id <> t.author_id) "
        "WHERE t.kind = ? AND t.deleted_at IS NULL AND t.held = ? AND t.created_at >= ? AND t.created_at < ? "
        "GROUP BY t.id, t.created_at",
        [*case_params, False, "QUESTION", False, moments[0][0], moments[-1][1]],
    )
    waits: dict[int, list[float]] = {}
    for row in rows:
        if row["b"] is not None:
            delay = (_as_datetime(row["answered"]) - _as_datetime(row["asked"])).total_seconds()
            waits.setdefault(int(row["b"]), []).append(delay)
    for index, values in waits.items():
        result[index].median_first_answer_seconds = statistics.median(values)
    return CommunityStats(
        start=start,
        end=end,
        interval=Interval(interval),
        buckets=result,
        daily_active=await _active_since(end, 1),
        weekly_active=await _active_since(end, 7),
        monthly_active=await _active_since(end, 30),
    )


async def _active_since(end: date, days: int) -> int:
    rows = await fetch_all(
        "SELECT COUNT(DISTINCT user_id) AS n FROM member_activity WHERE day > ? AND day <= ?",
        [end - timedelta(days=days), end],
    )
    return int(rows[0]["n"])


@dataclass
class Cohort:
    week_start: date
    size: int
    active: list[int]  # members active in week 0, 1, 2... after joining

    @property
    def retention(self) -> list[float]:
        return [a / self.size if self.size else 0.0 for a in self.active]


async def retention_cohorts(actor: User | None, start: date, weeks: int, *, settings: Settings) -> list[Cohort]:
    """Cohorts of members by join week (Monday weeks from `start`'s week, `weeks` of them), and
    how many of each were active (any write or sign-in) in each week since joining, up to today's data."""
    require_role(actor, Role.MODERATOR)
    if not 1 <= weeks <= MAX_COHORT_WEEKS:
        raise Invalid(f"Ask for 1 to {MAX_COHORT_WEEKS} weeks.", field="weeks")
    first = start - timedelta(days=start.weekday())
    tz = settings.community_timezone
    week_days = [(first + timedelta(weeks=i), first + timedelta(weeks=i + 1)) for i in range(weeks)]
    week_moments = [(_instant(lo, tz), _instant(hi, tz)) for lo, hi in week_days]
    sizes = await _grouped("users x", "x.created_at", week_moments, [])
    cohort_case, cohort_params = _case("u.created_at", week_moments)
    activity_case, activity_params = _case("a.day", week_days)
    rows = await fetch_all(
        f"SELECT c, w, COUNT(DISTINCT user_id) AS n FROM (SELECT {cohort_case} AS c, {activity_case} AS w, "
        "a.user_id FROM users u JOIN member_activity a ON a.user_id = u.id) AS y "
        "WHERE c IS NOT NULL AND w IS NOT NULL AND w >= c GROUP BY c, w",
        [*cohort_params, *activity_params],
    )
    cohorts = [
        Cohort(week_start=lo, size=int(sizes.get(i, 0)), active=[0] * (weeks - i))
        for i, (lo, _hi) in enumerate(week_days)
    ]
    for row in rows:
        c, w = int(row["c"]), int(row["w"])
        cohorts[c].active[w - c] = int(row["n"])
    return cohorts


@dataclass
class Contributor:
    user_id: int
    points: int
    posts: int


async def top_contributors(
    actor: User | None, start: date, end: date, limit: int = 10, *, settings: Settings
) -> list[Contributor]:
    """Members by points earned in the range (community days), with their post counts."""
    require_role(actor, Role.MODERATOR)
    if not 1 <= limit <= 100:
        raise Invalid("Ask for 1 to 100 members.", field="limit")
    rows = await fetch_all(
        "SELECT user_id, SUM(amount) AS points FROM engagement_point_entries "
        "WHERE day >= ? AND day <= ? AND rule NOT IN (?, ?) GROUP BY user_id HAVING SUM(amount) > 0 "
        "ORDER BY points DESC, user_id LIMIT ?",
        [start, end, "redemption", "refund", limit],
    )
    ids = [r["user_id"] for r in rows]
    posts: dict[int, int] = {}
    if ids:
        marks = ", ".join("?" for _ in ids)
        tz = settings.community_timezone
        counted = await fetch_all(
            f"SELECT author_id, COUNT(*) AS n FROM forum_posts WHERE {COUNTED} AND author_id IN ({marks}) "
            "AND created_at >= ? AND created_at < ? GROUP BY author_id",
            [False, *ids, _instant(start, tz), _instant(end + timedelta(days=1), tz)],
        )
        posts = {r["author_id"]: int(r["n"]) for r in counted}
    return [Contributor(user_id=r["user_id"], points=int(r["points"]), posts=posts.get(r["user_id"], 0)) for r in rows]


@dataclass
class SpaceEngagement:
    space_id: int
    name: str
    topics: int
    posts: int
    contributors: int


async def engagement_by_space(
    actor: User | None, start: date, end: date, *, settings: Settings
) -> list[SpaceEngagement]:
    """Per forum space: topics and replies created in the range and distinct members who wrote them."""
    require_role(actor, Role.MODERATOR)
    tz = settings.community_timezone
    lo, hi = _instant(start, tz), _instant(end + timedelta(days=1), tz)
    topics = await fetch_all(
        f"SELECT space_id, COUNT(*) AS n FROM forum_topics WHERE {COUNTED} AND created_at >= ? "
        "AND created_at < ? GROUP BY space_id",
        [False, lo, hi],
    )
    posts = await fetch_all(
        "SELECT t.space_id AS space_id, COUNT(*) AS n FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id "
        "WHERE p.deleted_at IS NULL AND p.held = ? AND t.deleted_at IS NULL AND p.created_at >= ? AND p.created_at < ? "
        "GROUP BY t.space_id",
        [False, lo, hi],
    )
    writers = await fetch_all(
        "SELECT space_id, COUNT(DISTINCT author_id) AS n FROM ("
        f"SELECT space_id, author_id FROM forum_topics WHERE {COUNTED} AND created_at >= ? AND created_at < ? "
        "UNION SELECT t.space_id, p.author_id FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id "
        "WHERE p.deleted_at IS NULL AND p.held = ? AND t.deleted_at IS NULL AND p.created_at >= ? AND p.created_at < ?"
        ") AS w WHERE author_id IS NOT NULL GROUP BY space_id",
        [False, lo, hi, False, lo, hi],
    )
    spaces = await fetch_all("SELECT id, name FROM forum_spaces ORDER BY position, id")
    by = {
        name: {r["space_id"]: int(r["n"]) for r in rows}
        for name, rows in (("topics", topics), ("posts", posts), ("writers", writers))
    }
    return [
        SpaceEngagement(
            space_id=s["id"],
            name=s["name"],
            topics=by["topics"].get(s["id"], 0),
            posts=by["posts"].get(s["id"], 0),
            contributors=by["writers"].get(s["id"], 0),
        )
        for s in spaces
    ]
