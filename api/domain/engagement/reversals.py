"""Points and badge progress earned by content are taken back when moderation hides it or it is
deleted, and given back if it is restored (Discourse leaves spam's rewards in place; we do not).

Each piece of content's entries are summed: the rewards it earned (the rules of POINTS_RULES) and
the reversals already made. Hiding enters the opposite of what is still held; restoring enters
what is missing. Both are idempotent (hiding twice takes back once) and each runs under the
member's account lock, so concurrent changes queue. The counters badge rules read (posts,
answers, accepted answers, reactions received) move with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import F

from api.domain.content.events import ContentHidden, ContentRemoved, ContentRestored
from api.domain.engagement.common import community_day, ensure_account, stats_for
from api.domain.engagement.points import REVERSAL_RULES, record_entry
from api.models.engagement import MemberStats, PointAccount, PointEntry
from api.settings import Settings
from api.transactions import transaction

TAKEN, GIVEN = REVERSAL_RULES
# Rewards for content, and the badge counter each moves.
COUNTERS = {
    "post": "posts",
    "answer": "answers",
    "accepted_answer": "accepted_answers",
    "reaction_received": "reactions_received",
}


@dataclass
class _Earned:
    """What one piece of content earned one member, and whether it is taken back now."""

    earned: int = 0  # points of its rewards
    net: int = 0  # points still held (rewards and reversals)
    rules: list[str] = field(default_factory=list)  # its rewards' rules (one per act)
    reversals: int = 0  # taken back minus given back: 1 while taken back

    def add(self, rule: str, amount: int) -> None:
        self.net += amount
        if rule in COUNTERS:
            self.earned += amount
            self.rules.append(rule)
        elif rule in (TAKEN, GIVEN):
            self.reversals += 1 if rule == TAKEN else -1


async def _settle(content_type: str, content_id: int, settings: Settings, *, restore: bool) -> None:
    rows = await PointEntry.filter(source_type=content_type, source_id=content_id).values_list(
        "user_id", "rule", "amount"
    )
    members: dict[int, _Earned] = {}
    for user_id, rule, amount in rows:
        members.setdefault(user_id, _Earned()).add(rule, amount)
    for user_id, earned in members.items():
        taken = earned.reversals > 0
        if not earned.rules or taken != restore:
            continue  # nothing earned here, or already taken back (given back)
        change = earned.earned - earned.net if restore else -earned.net
        await _enter(user_id, change, content_type, content_id, settings, restore=restore, counters=earned.rules)


async def _enter(
    user_id: int,
    change: int,
    content_type: str,
    content_id: int,
    settings: Settings,
    *,
    restore: bool,
    counters: list[str],
) -> None:
    await ensure_account(user_id)
    async with transaction():
        await PointAccount.filter(user_id=user_id).select_for_update().first()
        await record_entry(
            user_id,
            change,
            GIVEN if restore else TAKEN,
            day=community_day(settings),
            source_type=content_type,
            source_id=content_id,
            reason="content restored" if restore else "content hidden or deleted",
        )
        stats = await stats_for(user_id)
        moves: dict[str, int] = {}
        for rule in counters:
            moves[COUNTERS[rule]] = moves.get(COUNTERS[rule], 0) + (1 if restore else -1)
        if moves:
            await MemberStats.filter(id=stats.id).update(**{name: F(name) + n for name, n in moves.items()})


async def take_back_hidden(event: ContentHidden, settings: Settings) -> None:
    await _settle(event.content_type, event.content_id, settings, restore=False)


async def take_back_removed(event: ContentRemoved, settings: Settings) -> None:
    await _settle(event.content_type, event.content_id, settings, restore=False)


async def give_back(event: ContentRestored, settings: Settings) -> None:
    await _settle(event.content_type, event.content_id, settings, restore=True)
