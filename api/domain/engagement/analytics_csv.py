"""Every analytics table as CSV (spreadsheets are where operators take figures), computed by
the same functions as the GraphQL fields, so both always agree."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from enum import Enum

from api.domain.engagement import analytics
from api.models.accounts import User
from api.settings import Settings


class StatsTable(str, Enum):
    BUCKETS = "BUCKETS"
    RETENTION = "RETENTION"
    CONTRIBUTORS = "CONTRIBUTORS"
    SPACES = "SPACES"


BUCKET_COLUMNS = (
    "start",
    "end",
    "new_members",
    "active_members",
    "returning_members",
    "topics",
    "posts",
    "questions",
    "answers",
    "accepted_questions",
    "acceptance_rate",
    "median_first_answer_seconds",
    "votes",
    "check_ins",
    "event_attendance",
    "articles",
    "resources",
)


def _text(rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


async def stats_csv(
    actor: User | None,
    table: StatsTable,
    start: date,
    end: date,
    interval: analytics.Interval = analytics.Interval.DAY,
    *,
    settings: Settings,
) -> str:
    """One analytics table as CSV with a header row (staff only, as the tables themselves)."""
    table = StatsTable(table)
    if table is StatsTable.BUCKETS:
        stats = await analytics.community_stats(actor, start, end, interval, settings=settings)
        return _text([list(BUCKET_COLUMNS)] + [[getattr(b, c) for c in BUCKET_COLUMNS] for b in stats.buckets])
    if table is StatsTable.RETENTION:
        weeks = min(analytics.MAX_COHORT_WEEKS, max(1, (end - start).days // 7 + 1))
        cohorts = await analytics.retention_cohorts(actor, start, weeks, settings=settings)
        header = ["week_start", "size", *[f"week_{i}" for i in range(weeks)]]
        return _text([header] + [[c.week_start, c.size, *c.active] for c in cohorts])
    if table is StatsTable.CONTRIBUTORS:
        rows = await analytics.top_contributors(actor, start, end, 100, settings=settings)
        names = dict(await User.filter(id__in=[r.user_id for r in rows]).values_list("id", "username"))
        return _text([["username", "points", "posts"]] + [[names.get(r.user_id), r.points, r.posts] for r in rows])
    spaces = await analytics.engagement_by_space(actor, start, end, settings=settings)
    return _text(
        [["space", "topics", "posts", "contributors"]] + [[s.name, s.topics, s.posts, s.contributors] for s in spaces]
    )
