"""Points: an append-only ledger of awards and deductions; balances are their sums.

`PointAccount` keeps the running sums, updated in the same transaction as each entry, and its row
is locked while an award checks its daily cap, so concurrent awards never exceed a cap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from tortoise.expressions import F

from api.db import fetch_all
from api.domain.engagement.common import (
    clean_text,
    community_day,
    ensure_account,
    ensure_accounts,
    reason_limit,
    require_user,
)
from api.errors import Invalid
from api.models.accounts import Role, User
from api.models.engagement import PointAccount, PointEntry
from api.policies import require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

# Entries that move points without being "earned": excluded from levels and leaderboards.
SPENDING_RULES = ("redemption", "refund")
# Entries that take back (or give back) what content earned: they move `earned` both ways.
REVERSAL_RULES = ("content_taken_back", "content_given_back")
GRANT_RULE = "grant"
MAX_GRANT = 100_000


def rule_points(settings: Settings, rule: str) -> int:
    return dict(settings.points_rules).get(rule, 0)


def daily_cap(settings: Settings, rule: str) -> int | None:
    return dict(settings.points_daily_caps).get(rule)


async def record_entry(
    user_id: int,
    amount: int,
    rule: str,
    *,
    day: date,
    reason: str = "",
    source_type: str = "",
    source_id: int | None = None,
    dedupe_key: str | None = None,
    created_by_id: int | None = None,
    move_balance: bool = True,
) -> PointEntry:
    """Append an entry and move the account's sums. Call inside a transaction, with the
    account row existing (`ensure_account`). `move_balance=False` when the caller has already
    debited the balance with a conditional update."""
    entry = await PointEntry.create(
        user_id=user_id,
        amount=amount,
        rule=rule,
        reason=reason,
        source_type=source_type,
        source_id=source_id,
        dedupe_key=dedupe_key,
        day=day,
        created_by_id=created_by_id,
    )
    earned = amount if (amount > 0 and rule not in SPENDING_RULES) or rule in REVERSAL_RULES else 0
    if move_balance or earned:
        await PointAccount.filter(user_id=user_id).update(
            balance=F("balance") + (amount if move_balance else 0), earned=F("earned") + earned
        )
    return entry


async def award(
    settings: Settings,
    user_id: int,
    rule: str,
    *,
    amount: int | None = None,
    source_type: str = "",
    source_id: int | None = None,
    dedupe_key: str | None = None,
    reason: str = "",
    at: datetime | None = None,
    record_zero: bool = False,
) -> PointEntry | None:
    """Award the points of `rule` (or `amount`), clipped to what is left of the rule's daily cap.
    None when nothing was awarded (zero points, cap reached, or `dedupe_key` already paid).

    With `record_zero` (and a `dedupe_key`), an act worth nothing (cap reached) is still entered
    with 0 points, so the key marks the act as seen and a replay returns None."""
    points = rule_points(settings, rule) if amount is None else amount
    record_zero = record_zero and dedupe_key is not None
    if points <= 0 and not record_zero:
        return None
    await ensure_account(user_id)
    day = community_day(settings, at)
    async with transaction():
        # Lock the account row: concurrent awards of one member queue here, so the cap holds.
        await PointAccount.filter(user_id=user_id).select_for_update().first()
        if dedupe_key and await PointEntry.filter(dedupe_key=dedupe_key).exists():
            return None
        cap = daily_cap(settings, rule)
        if cap is not None:
            rows = await fetch_all(
                "SELECT COALESCE(SUM(amount), 0) AS total FROM engagement_point_entries "
                "WHERE user_id = ? AND rule = ? AND day = ?",
                [user_id, rule, day],
            )
            points = min(points, cap - int(rows[0]["total"]))
        if points <= 0:
            if not record_zero:
                return None
            points, reason = 0, reason or "Daily cap reached."
        return await record_entry(
            user_id,
            points,
            rule,
            day=day,
            reason=reason,
            source_type=source_type,
            source_id=source_id,
            dedupe_key=dedupe_key,
        )


_AWARDS_A_STATEMENT = 1000  # 9 parameters each: well under SQLite's and asyncpg's limits


@dataclass(frozen=True)
class Award:
    """One award of `award_many`: paid once, by its dedupe key."""

    user_id: int
    amount: int
    dedupe_key: str
    source_type: str = ""
    source_id: int | None = None


async def award_many(settings: Settings, rule: str, awards: Sequence[Award], *, reason: str = "") -> list[Award]:
    """Awards of one rule, each paid once (by its dedupe key: those paid already are skipped);
    returns those paid now. A rule without a daily cap costs a fixed number of queries however
    many awards (the entries in one INSERT, the sums moved one UPDATE per distinct total); one with
    a cap goes award by award. In a transaction of the caller's, they stand or fall with its writes."""
    unique = list({a.dedupe_key: a for a in awards if a.amount > 0}.values())
    if not unique:
        return []
    await ensure_accounts({a.user_id for a in unique})
    if daily_cap(settings, rule) is not None:
        return [
            a
            for a in unique
            if await award(
                settings,
                a.user_id,
                rule,
                amount=a.amount,
                source_type=a.source_type,
                source_id=a.source_id,
                dedupe_key=a.dedupe_key,
                reason=reason,
            )
        ]
    day, moment = community_day(settings), now()
    async with transaction():
        entered = set()
        for start in range(0, len(unique), _AWARDS_A_STATEMENT):
            chunk = unique[start : start + _AWARDS_A_STATEMENT]
            rows = await fetch_all(
                "INSERT INTO engagement_point_entries "
                "(user_id, amount, rule, reason, source_type, source_id, dedupe_key, day, created_at) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                + " ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key",
                [
                    value
                    for a in chunk
                    for value in (
                        a.user_id,
                        a.amount,
                        rule,
                        reason,
                        a.source_type,
                        a.source_id,
                        a.dedupe_key,
                        day,
                        moment,
                    )
                ],
            )
            entered |= {row["dedupe_key"] for row in rows}
        paid = [a for a in unique if a.dedupe_key in entered]
        totals: dict[int, int] = defaultdict(int)
        for a in paid:
            totals[a.user_id] += a.amount
        members_by_total: dict[int, list[int]] = defaultdict(list)
        for user_id, total in totals.items():
            members_by_total[total].append(user_id)
        earns = rule not in SPENDING_RULES
        if totals:  # locked in one order, so two batches sharing members cannot deadlock
            await (
                PointAccount.filter(user_id__in=sorted(totals))
                .order_by("user_id")
                .select_for_update()
                .values_list("id", flat=True)
            )
        for total, user_ids in members_by_total.items():
            await PointAccount.filter(user_id__in=user_ids).update(
                balance=F("balance") + total, earned=F("earned") + (total if earns else 0)
            )
    return paid


async def grant(actor: User | None, user_id: int, amount: int, reason: str, *, settings: Settings) -> PointEntry:
    """Admins grant (positive) or deduct (negative) points with a reason. A deduction may take
    a balance below zero: it corrects an award, it does not buy anything."""
    admin = require_role(actor, Role.ADMIN)
    reason = clean_text(reason, "reason", reason_limit(settings))
    if amount == 0 or abs(amount) > MAX_GRANT:
        raise Invalid(f"Use a non-zero amount of at most {MAX_GRANT} points either way.", field="amount")
    await require_user(user_id)
    await ensure_account(user_id)
    async with transaction():
        await PointAccount.filter(user_id=user_id).select_for_update().first()
        return await record_entry(
            user_id,
            amount,
            GRANT_RULE,
            day=community_day(settings),
            reason=reason,
            created_by_id=admin.id,
        )


async def balance(user_id: int) -> int:
    account = await PointAccount.filter(user_id=user_id).first()
    return account.balance if account else 0


async def ledger_balance(user_id: int) -> int:
    """The balance recomputed from the ledger (the account must always agree)."""
    rows = await fetch_all(
        "SELECT COALESCE(SUM(amount), 0) AS total FROM engagement_point_entries WHERE user_id = ?",
        [user_id],
    )
    return int(rows[0]["total"])


class Period(str, Enum):
    WEEK = "WEEK"
    MONTH = "MONTH"
    ALL_TIME = "ALL_TIME"


def period_start(period: Period, today: date) -> date | None:
    """First community day of the current week (Monday) or month; None for all time."""
    if period is Period.WEEK:
        return today - timedelta(days=today.weekday())
    if period is Period.MONTH:
        return today.replace(day=1)
    return None


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    points: int


async def leaderboard(
    settings: Settings, period: Period, *, offset: int = 0, limit: int = 20, at: datetime | None = None
) -> tuple[list[Standing], int]:
    """Members by points earned in the period (spending excluded), and how many have any.
    Ties share the order of the smaller member id."""
    start = period_start(period, community_day(settings, at))
    where = "rule NOT IN (?, ?)"
    params: list[Any] = list(SPENDING_RULES)
    if start is not None:
        where += " AND day >= ?"
        params.append(start)
    rows = await fetch_all(
        f"SELECT user_id, SUM(amount) AS points FROM engagement_point_entries WHERE {where} "
        "GROUP BY user_id HAVING SUM(amount) > 0 ORDER BY points DESC, user_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    total = await fetch_all(
        f"SELECT COUNT(*) AS n FROM (SELECT user_id FROM engagement_point_entries WHERE {where} "
        "GROUP BY user_id HAVING SUM(amount) > 0) AS ranked",
        params,
    )
    standings = [
        Standing(rank=offset + i + 1, user_id=r["user_id"], points=int(r["points"])) for i, r in enumerate(rows)
    ]
    return standings, int(total[0]["n"])
