"""Lotteries (抽奖), fair and verifiable, also against the operators.

A lottery is OPEN while its entrants gather (a hand-made list that staff fill or members enter
themselves, or a rule: event attendees, check-in streaks, survey respondents). Staff then FREEZE it:
the entrant list is fixed (banned and inactive members are left out), and only then is a random
256-bit seed drawn, so nobody can shape the list knowing the seed. The freeze publishes

    entrantsHash = sha256(",".join(str(id) for id in sorted ids))   (hex of the UTF-8 text)
    commitment   = sha256(f"{seed}:{entrantsHash}")

and the frozen ids themselves, so every entrant can check they are in. The draw reveals the seed and
the winners follow from the seed and the frozen ids alone:

    remaining = sorted(frozen ids)
    for rank in 1..min(winner_count, len(remaining)):
        h = int(sha256(f"{seed}:{rank}").hexdigest(), 16)
        winner = remaining.pop(h % len(remaining))

Anyone can check both hashes and recompute the winners (`verify`); a list changed after the
commitment no longer hashes to it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from api.db import column
from api.domain.engagement.checkin import live_streak
from api.domain.engagement.common import clean_line, clean_text, community_day, ensure_account
from api.domain.engagement.points import record_entry
from api.domain.notifications import notify
from api.errors import Conflict, ErrorCode, Invalid, NotFound
from api.models.accounts import Role, User
from api.models.engagement import (
    EligibleSet,
    Event,
    Lottery,
    LotteryEntrant,
    LotteryStatus,
    LotteryWinner,
    MemberStats,
    PointAccount,
    Rsvp,
)
from api.policies import barred_ids, require_can_act, require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

MAX_WINNERS = 1000
MAX_ENTRY_COST = 100_000
ENTRY_RULE, REFUND_RULE = "redemption", "refund"  # spending entries: not "earned" points


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def entrants_hash_of(entrant_ids: list[int]) -> str:
    return _sha256(",".join(str(i) for i in sorted(set(entrant_ids))))


def commitment_of(seed: str, entrants_hash: str) -> str:
    return _sha256(f"{seed}:{entrants_hash}")


@dataclass(frozen=True)
class Verification:
    """What a draw's public record proves (see the module docstring)."""

    entrants_match: bool  # the revealed list hashes to the published entrants hash
    commitment_matches: bool  # the revealed seed and that hash give the published commitment
    winners_match: bool  # the recorded winners follow from the seed and the list
    expected_winner_ids: list[int]

    @property
    def valid(self) -> bool:
        return self.entrants_match and self.commitment_matches and self.winners_match


def verify(
    seed: str, entrant_ids: list[int], entrants_hash: str, commitment: str, winner_count: int, winner_ids: list[int]
) -> Verification:
    """Check a draw from its public record alone."""
    expected = compute_winners(seed, entrant_ids, winner_count)
    return Verification(
        entrants_match=entrants_hash_of(entrant_ids) == entrants_hash and list(entrant_ids) == sorted(set(entrant_ids)),
        commitment_matches=commitment_of(seed, entrants_hash) == commitment,
        winners_match=expected == list(winner_ids),
        expected_winner_ids=expected,
    )


async def verify_draw(lottery_id: int) -> tuple[Lottery, Verification]:
    """Recompute a drawn lottery's winners from its revealed seed and frozen list."""
    lottery = await Lottery.filter(id=lottery_id).first()
    if lottery is None:
        raise NotFound("No such lottery.", field="lotteryId")
    if lottery.status != LotteryStatus.DRAWN:
        raise Conflict("Only a drawn lottery can be verified.", field="lotteryId")
    winners = await column(LotteryWinner.filter(lottery_id=lottery.id).order_by("rank"), "user_id")
    return lottery, verify(
        lottery.seed or "",
        list(lottery.eligible_user_ids),
        lottery.entrants_hash or "",
        lottery.commitment or "",
        lottery.winner_count,
        list(winners),
    )


def compute_winners(seed: str, eligible_ids: list[int], winner_count: int) -> list[int]:
    """The winners, in rank order, from the seed and the eligible ids (see module docstring)."""
    remaining = sorted(set(eligible_ids))
    winners = []
    for rank in range(1, min(winner_count, len(remaining)) + 1):
        digest = int(hashlib.sha256(f"{seed}:{rank}".encode()).hexdigest(), 16)
        winners.append(remaining.pop(digest % len(remaining)))
    return winners


@dataclass
class LotteryInput:
    title: str
    eligible_set: EligibleSet
    winner_count: int
    description: str = ""
    prizes: list[str] = field(default_factory=list)
    event_id: int | None = None
    min_streak: int | None = None
    survey_id: int | None = None
    user_ids: list[int] = field(default_factory=list)
    self_entry: bool = False
    entry_cost: int = 0


async def create_lottery(actor: User | None, data: LotteryInput, *, settings: Settings) -> Lottery:
    """Staff open a lottery; entrants gather until it is frozen."""
    staff = require_role(actor, Role.MODERATOR)
    title = clean_line(data.title, "title", settings.max_title_length)
    description = clean_text(data.description, "description", settings.max_body_length, required=False)
    if not 1 <= data.winner_count <= MAX_WINNERS:
        raise Invalid(f"Draw between 1 and {MAX_WINNERS} winners.", field="winnerCount")
    prizes = [clean_text(p, "prizes", 200) for p in data.prizes]
    if len(prizes) > data.winner_count:
        raise Invalid("Give at most one prize per winner.", field="prizes")
    kind = EligibleSet(data.eligible_set)
    values: dict[str, Any] = {}
    if data.self_entry and kind is not EligibleSet.LIST:
        raise Invalid("Members can enter only hand-made lists.", field="selfEntry")
    if not 0 <= data.entry_cost <= MAX_ENTRY_COST or (data.entry_cost and not data.self_entry):
        raise Invalid(
            f"An entry costs 0 to {MAX_ENTRY_COST} points, and only where members enter themselves.", field="entryCost"
        )
    if kind is EligibleSet.EVENT_ATTENDEES:
        if data.event_id is None or not await Event.filter(id=data.event_id).exists():
            raise NotFound("No such event.", field="eventId")
        values["event_id"] = data.event_id
    elif kind is EligibleSet.CHECK_IN_STREAK:
        if not data.min_streak or data.min_streak < 1:
            raise Invalid("Give a streak of at least 1 day.", field="minStreak")
        values["min_streak"] = data.min_streak
    elif kind is EligibleSet.SURVEY_RESPONDENTS:
        from api.models.governance import Survey

        if data.survey_id is None or not await Survey.filter(id=data.survey_id).exists():
            raise NotFound("No such survey.", field="surveyId")
        values["survey_id"] = data.survey_id
    async with transaction():
        lottery = await Lottery.create(
            title=title,
            description=description,
            eligible_set=kind,
            winner_count=data.winner_count,
            prizes=prizes,
            created_by_id=staff.id,
            self_entry=data.self_entry,
            entry_cost=data.entry_cost,
            **values,
        )
        if kind is EligibleSet.LIST and data.user_ids:
            await _add(lottery, data.user_ids)
    return lottery


async def _add(lottery: Lottery, user_ids: list[int]) -> int:
    ids = set(user_ids)
    known = set(await column(User.filter(id__in=ids), "id"))
    if known != ids:
        raise NotFound("Some of these members do not exist.", field="userIds")
    present = set(await column(LotteryEntrant.filter(lottery_id=lottery.id), "user_id"))
    new = sorted(ids - present)
    await LotteryEntrant.bulk_create([LotteryEntrant(lottery_id=lottery.id, user_id=i) for i in new])
    return len(new)


async def add_entrants(actor: User | None, lottery_id: int, user_ids: list[int]) -> Lottery:
    """Add members to a hand-made list while the lottery is open."""
    require_role(actor, Role.MODERATOR)
    async with transaction():
        lottery = await Lottery.filter(id=lottery_id).select_for_update().first()
        if lottery is None:
            raise NotFound("No such lottery.", field="lotteryId")
        if lottery.eligible_set != EligibleSet.LIST:
            raise Invalid("Only hand-made lists take entrants.", field="lotteryId")
        if lottery.status != LotteryStatus.OPEN:
            raise Conflict("This lottery is closed.", field="lotteryId", code=ErrorCode.CLOSED)
        try:
            await _add(lottery, user_ids)
        except IntegrityError:
            raise Conflict("Try again: the list changed meanwhile.", field="userIds") from None
    return lottery


async def enter(actor: User | None, lottery_id: int, *, settings: Settings) -> LotteryEntrant:
    """A member enters an open hand-made list that allows it, paying its entry cost (no overdraft)."""
    member = await require_can_act(actor)
    await ensure_account(member.id)
    async with transaction():
        lottery = await Lottery.filter(id=lottery_id).select_for_update().first()
        if lottery is None:
            raise NotFound("No such lottery.", field="lotteryId")
        if not lottery.self_entry:
            raise Invalid("Members cannot enter this lottery themselves.", field="lotteryId")
        if lottery.status != LotteryStatus.OPEN:
            raise Conflict("This lottery no longer takes entrants.", field="lotteryId", code=ErrorCode.CLOSED)
        if await LotteryEntrant.filter(lottery_id=lottery.id, user_id=member.id).exists():
            raise Conflict("You have entered already.", field="lotteryId")
        cost = lottery.entry_cost
        # A conditional debit: a balance never goes below zero, whatever runs at the same time.
        if cost and not await PointAccount.filter(user_id=member.id, balance__gte=cost).update(
            balance=F("balance") - cost
        ):
            raise Conflict("You do not have enough points.", field="lotteryId", code=ErrorCode.QUOTA_EXCEEDED)
        try:
            entrant = await LotteryEntrant.create(lottery_id=lottery.id, user_id=member.id, paid=cost)
        except IntegrityError:
            raise Conflict("You have entered already.", field="lotteryId") from None
        if cost:
            await record_entry(
                member.id,
                -cost,
                ENTRY_RULE,
                day=community_day(settings),
                reason=lottery.title[:500],
                source_type="Lottery",
                source_id=lottery.id,
                move_balance=False,
            )
    return entrant


async def eligible_ids(lottery: Lottery, settings: Settings) -> list[int]:
    """The sorted ids of the members who may win, as of now."""
    kind = EligibleSet(lottery.eligible_set)
    if kind is EligibleSet.EVENT_ATTENDEES:
        ids = await column(Rsvp.filter(event_id=lottery.event_id, checked_in_at__isnull=False), "user_id")
    elif kind is EligibleSet.CHECK_IN_STREAK:
        rows = await MemberStats.filter(current_streak__gte=lottery.min_streak or 1)
        ids = [s.user_id for s in rows if live_streak(s, settings) >= (lottery.min_streak or 1)]
    elif kind is EligibleSet.SURVEY_RESPONDENTS:
        from api.domain.governance.surveys import respondent_ids

        ids = await respondent_ids(lottery.survey_id)
    else:
        ids = await column(LotteryEntrant.filter(lottery_id=lottery.id), "user_id")
    unique = set(ids)
    return sorted(unique - await barred_ids(unique))


async def freeze(actor: User | None, lottery_id: int, *, settings: Settings) -> Lottery:
    """Fix the entrant list, then draw the seed and publish the commitment covering both."""
    require_role(actor, Role.MODERATOR)
    async with transaction():
        lottery = await Lottery.filter(id=lottery_id).select_for_update().first()
        if lottery is None:
            raise NotFound("No such lottery.", field="lotteryId")
        if lottery.status != LotteryStatus.OPEN:
            raise Conflict("Only an open lottery can be frozen.", field="lotteryId", code=ErrorCode.CLOSED)
        eligible = await eligible_ids(lottery, settings)
        if not eligible:
            raise Conflict("Nobody is eligible yet.", field="lotteryId")
        seed = secrets.token_hex(32)  # drawn only now, after the list is fixed
        digest = entrants_hash_of(eligible)
        claimed = await Lottery.filter(id=lottery.id, status=LotteryStatus.OPEN).update(
            status=LotteryStatus.FROZEN,
            frozen_at=now(),
            eligible_user_ids=eligible,
            seed=seed,
            entrants_hash=digest,
            commitment=commitment_of(seed, digest),
        )
        if not claimed:
            raise Conflict("This lottery was frozen already.", field="lotteryId", code=ErrorCode.CLOSED)
    await lottery.refresh_from_db()
    return lottery


async def draw(actor: User | None, lottery_id: int, *, settings: Settings) -> Lottery:
    """Reveal the seed and record the winners from the frozen list. Runs once: the status change
    is the claim. A frozen list that no longer matches its published hash is refused."""
    staff = require_role(actor, Role.MODERATOR)
    async with transaction():
        lottery = await Lottery.filter(id=lottery_id).select_for_update().first()
        if lottery is None:
            raise NotFound("No such lottery.", field="lotteryId")
        if lottery.status == LotteryStatus.OPEN:
            raise Conflict(
                "Freeze the entrant list first: its commitment must be public before the draw.", field="lotteryId"
            )
        if lottery.status != LotteryStatus.FROZEN:
            raise Conflict("This lottery was already drawn or cancelled.", field="lotteryId", code=ErrorCode.CLOSED)
        frozen = list(lottery.eligible_user_ids)
        if (
            entrants_hash_of(frozen) != lottery.entrants_hash
            or frozen != sorted(set(frozen))
            or commitment_of(lottery.seed or "", lottery.entrants_hash or "") != lottery.commitment
        ):
            raise Conflict("The frozen list no longer matches its commitment.", field="lotteryId")
        claimed = await Lottery.filter(id=lottery.id, status=LotteryStatus.FROZEN).update(
            status=LotteryStatus.DRAWN, drawn_at=now()
        )
        if not claimed:
            raise Conflict("This lottery was already drawn.", field="lotteryId", code=ErrorCode.CLOSED)
        winners = compute_winners(lottery.seed or "", frozen, lottery.winner_count)
        prizes = list(lottery.prizes)
        await LotteryWinner.bulk_create(
            [
                LotteryWinner(
                    lottery_id=lottery.id,
                    user_id=user_id,
                    rank=rank,
                    prize=prizes[rank - 1] if rank - 1 < len(prizes) else "",
                )
                for rank, user_id in enumerate(winners, start=1)
            ]
        )
    await lottery.refresh_from_db()
    for rank, user_id in enumerate(winners, start=1):
        await notify(
            user_id,
            "engagement.lottery_won",
            actor_id=staff.id,
            subject_type="Lottery",
            subject_id=lottery.id,
            message=f"You won in “{lottery.title}” (#{rank}).",
        )
    return lottery


async def cancel(actor: User | None, lottery_id: int, *, settings: Settings) -> Lottery:
    """Cancel a lottery not yet drawn; paid entries are given back."""
    require_role(actor, Role.MODERATOR)
    async with transaction():
        changed = await Lottery.filter(id=lottery_id, status__in=[LotteryStatus.OPEN, LotteryStatus.FROZEN]).update(
            status=LotteryStatus.CANCELLED
        )
        lottery = await Lottery.filter(id=lottery_id).first()
        if lottery is None:
            raise NotFound("No such lottery.", field="lotteryId")
        if not changed:
            raise Conflict("Only a lottery not yet drawn can be cancelled.", field="lotteryId", code=ErrorCode.CLOSED)
        for entrant in await LotteryEntrant.filter(lottery_id=lottery.id, paid__gt=0):
            await record_entry(
                entrant.user_id,
                entrant.paid,
                REFUND_RULE,
                day=community_day(settings),
                reason=f"Cancelled: {lottery.title}"[:500],
                source_type="Lottery",
                source_id=lottery.id,
            )
    return lottery
