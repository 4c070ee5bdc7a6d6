"""Trust levels 0-4, earned from activity as Discourse defines them.

- 0 new: every account starts here; its texts are limited (`limits`).
- 1 basic: has read a little (topics entered, posts read, minutes read).
- 2 member: comes back (days visited), takes part (replies, likes given and received), reads more.
- 3 regular: all of it again within a recent window (`window_days`), with no mute or ban in the
  last `sanction_free_days`; lost again when the member no longer meets it.
- 4 leader: given by staff only.

Requirements are community settings (`TRUST_TL1_REQUIREMENTS`...). A job recomputes every member in
batches with aggregate SQL (a fixed number of queries per batch): levels 1 and 2 are never taken
back by the job, level 3 is; a level staff locked (`trust_level_locked`) is left alone. Each change
is a `TrustLevelChanged` event; the member is told (the job's changes by move, one conditional
UPDATE and one `notify_many` per old and new level, whatever the number of members).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from api.db import fetch_all
from api.domain.trust.events import TrustLevelChanged
from api.domain.trust.notices import tell_members
from api.errors import Invalid, NotFound
from api.events import emit
from api.models.accounts import Role, User
from api.policies import require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import after_commit, transaction

BATCH = 500
LEADER = 4


@dataclass
class Activity:
    """What trust levels count for one member (all time, or within a window)."""

    days_visited: int = 0
    topics_entered: int = 0
    posts_read: int = 0
    minutes_read: int = 0
    replies: int = 0
    likes_given: int = 0
    likes_received: int = 0
    sanctioned_recently: bool = False
    extra: dict[str, int] = field(default_factory=dict)

    def meets(self, requirements: dict[str, int]) -> bool:
        for name, needed in requirements.items():
            if name in {"window_days", "sanction_free_days"}:
                continue
            if getattr(self, name, 0) < needed:
                return False
        return not (requirements.get("sanction_free_days") and self.sanctioned_recently)


def _marks(ids: list[int]) -> str:
    return ", ".join("?" for _ in ids)


async def _counts(query: str, params: list[Any]) -> dict[int, int]:
    return {row["user_id"]: int(row["n"] or 0) for row in await fetch_all(query, params)}


async def activity_of(
    user_ids: list[int], *, since: datetime | None = None, sanctions_since: datetime | None = None
) -> dict[int, Activity]:
    """Each member's activity (since `since`, or all time), in a fixed number of queries."""
    if not user_ids:
        return {}
    ids = list(user_ids)
    marks = _marks(ids)
    when = since or now() - timedelta(days=365 * 100)
    visits = await _counts(
        f"SELECT user_id, COUNT(*) AS n FROM member_activity WHERE user_id IN ({marks}) AND day >= ? GROUP BY user_id",
        [*ids, when.date()],
    )
    reading = await fetch_all(
        f"SELECT user_id, COUNT(*) AS topics, SUM(last_read_position) AS posts, SUM(seconds_read) AS seconds "
        f"FROM forum_read_states WHERE user_id IN ({marks}) AND updated_at >= ? GROUP BY user_id",
        [*ids, when],
    )
    replies = await _counts(
        f"SELECT author_id AS user_id, COUNT(*) AS n FROM forum_posts WHERE author_id IN ({marks}) "
        "AND deleted_at IS NULL AND hidden = ? AND held = ? AND created_at >= ? GROUP BY author_id",
        [*ids, False, False, when],
    )
    given = await _counts(
        f"SELECT user_id, COUNT(*) AS n FROM forum_reactions WHERE user_id IN ({marks}) "
        "AND created_at >= ? GROUP BY user_id",
        [*ids, when],
    )
    received: dict[int, int] = {}
    for table, kind in (("forum_posts", "Post"), ("forum_topics", "Topic")):
        for user_id, n in (
            await _counts(
                f"SELECT c.author_id AS user_id, COUNT(*) AS n FROM forum_reactions r JOIN {table} c "
                f"ON r.subject_type = ? AND r.subject_id = c.id WHERE c.author_id IN ({marks}) "
                "AND r.created_at >= ? GROUP BY c.author_id",
                [kind, *ids, when],
            )
        ).items():
            received[user_id] = received.get(user_id, 0) + n
    sanctioned: set[int] = set()
    if sanctions_since is not None:
        rows = await fetch_all(
            f"SELECT DISTINCT user_id FROM sanctions WHERE user_id IN ({marks}) AND kind IN (?, ?) AND created_at >= ?",
            [*ids, "MUTE", "BAN", sanctions_since],
        )
        sanctioned = {row["user_id"] for row in rows}
    found = {i: Activity() for i in ids}
    for row in reading:
        activity = found[row["user_id"]]
        activity.topics_entered = int(row["topics"] or 0)
        activity.posts_read = int(row["posts"] or 0)
        activity.minutes_read = int(row["seconds"] or 0) // 60
    for i, activity in found.items():
        activity.days_visited = visits.get(i, 0)
        activity.replies = replies.get(i, 0)
        activity.likes_given = given.get(i, 0)
        activity.likes_received = received.get(i, 0)
        activity.sanctioned_recently = i in sanctioned
    return found


def requirements(settings: Settings) -> dict[int, dict[str, int]]:
    return {
        1: dict(settings.trust_tl1_requirements),
        2: dict(settings.trust_tl2_requirements),
        3: dict(settings.trust_tl3_requirements),
    }


def earned_level(current: int, all_time: Activity, recent: Activity, needs: dict[int, dict[str, int]]) -> int:
    """The level a member's activity earns them: never below 1 or 2 once reached, level 3 only
    while its window's requirements hold, level 4 only by staff."""
    if current >= LEADER:
        return current
    level = max(current if current < 3 else 2, 0)
    if level < 1 and all_time.meets(needs[1]):
        level = 1
    if level < 2 and level >= 1 and all_time.meets(needs[2]):
        level = 2
    if level >= 2 and recent.meets(needs[3]):
        level = 3
    return level


async def recompute(settings: Settings, user_ids: Iterable[int] | None = None) -> int:
    """Recompute the levels of the given members (all, in batches, when None). Returns how many
    changed. Safe from several processes: each change is a conditional update on the old level."""
    needs = requirements(settings)
    window = timedelta(days=needs[3].get("window_days", 100))
    sanction_window = timedelta(days=needs[3].get("sanction_free_days", 100))
    changed = 0
    query = User.filter(trust_level_locked=False).order_by("id")
    if user_ids is not None:
        query = query.filter(id__in=list(user_ids))
    last_id = 0
    while True:
        batch = list(await query.filter(id__gt=last_id).limit(BATCH).values_list("id", "trust_level"))
        if not batch:
            return changed
        last_id = batch[-1][0]
        ids = [i for i, _ in batch]
        all_time = await activity_of(ids)
        recent = await activity_of(ids, since=now() - window, sanctions_since=now() - sanction_window)
        moves: dict[tuple[int, int], list[int]] = {}
        for user_id, current in batch:
            level = earned_level(current, all_time[user_id], recent[user_id], needs)
            if level != current:
                moves.setdefault((current, level), []).append(user_id)
        for (old, new), movers in moves.items():
            # Conditional on the old level and the lock: a member another process (or staff)
            # changed meanwhile is left alone, and each change is announced by one process.
            rows = await fetch_all(
                f"UPDATE users SET trust_level = ? WHERE id IN ({_marks(movers)}) AND trust_level = ? "
                "AND trust_level_locked = ? RETURNING id",
                [new, *movers, old, False],
            )
            moved = sorted(int(r["id"]) for r in rows)
            changed += len(moved)
            for user_id in moved:
                await emit(TrustLevelChanged(user_id=user_id, old=old, new=new, by_staff=False))
            if moved:
                # As the events' handlers: after the commit, a failure logged without undoing the change.
                await after_commit(partial(tell_members, moved, old, new))


async def set_level(actor: User | None, user_id: int, level: int | None, *, locked: bool, settings: Settings) -> User:
    """Staff give a member a level (4, leader, only this way) and may lock it against the job;
    `level` None with `locked` false hands the member back to the job."""
    require_role(actor, Role.MODERATOR)
    if level is not None and not 0 <= level <= LEADER:
        raise Invalid("Trust levels go from 0 to 4.", field="level")
    async with transaction():
        member = await User.filter(id=user_id).select_for_update().first()
        if member is None:
            raise NotFound("No such member.", field="userId")
        old = member.trust_level
        member.trust_level = old if level is None else level
        member.trust_level_locked = locked
        await member.save(update_fields=["trust_level", "trust_level_locked"])
        if member.trust_level != old:
            await emit(TrustLevelChanged(user_id=member.id, old=old, new=member.trust_level, by_staff=True))
    if level is None and not locked:
        await recompute(settings, [member.id])
        await member.refresh_from_db(fields=["trust_level"])
    return member


async def recompute_job(settings: Settings) -> bool:
    """Background job: every member's level (correct with several processes: conditional updates)."""
    return bool(await recompute(settings))
