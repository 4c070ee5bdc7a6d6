"""Lotteries (抽奖), fair and verifiable.

When a lottery opens, the server draws a random 256-bit seed and publishes only its commitment,
`sha256(seed)` (hex of the UTF-8 hex string). At the draw it reveals the seed and the eligible
member ids, sorted ascending, and winners follow from them alone:

    remaining = sorted(eligible ids)
    for rank in 1..min(winner_count, len(remaining)):
        h = int(sha256(f"{seed}:{rank}").hexdigest(), 16)
        winner = remaining.pop(h % len(remaining))

So anyone can check `sha256(seed) == commitment` and recompute the winners (`compute_winners`).
The seed cannot be changed after opening without breaking the commitment.
"""

from __future__ import annotations

from typing import Any
import hashlib
import secrets
from dataclasses import dataclass, field

from tortoise.exceptions import IntegrityError
from api.db import column
from api.transactions import transaction

from api.domain.engagement.checkin import live_streak
from api.domain.engagement.common import clean_line, clean_text
from api.domain.notifications import notify
from api.errors import Conflict, ErrorCode, Invalid, NotFound
from api.models.accounts import Role, User
from api.models.engagement import (
    EligibleSet, Event, Lottery, LotteryEntrant, LotteryStatus, LotteryWinner, MemberStats, Rsvp,
)
from api.policies import require_role
from api.settings import Settings
from api.timeutil import now

MAX_WINNERS = 1000


def commitment_of(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


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


async def create_lottery(actor: User | None, data: LotteryInput, *, settings: Settings) -> Lottery:
    """Staff open a lottery; its commitment is public from now on."""
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
    seed = secrets.token_hex(32)
    async with transaction():
        lottery = await Lottery.create(
            title=title, description=description, eligible_set=kind, winner_count=data.winner_count,
            prizes=prizes, seed=seed, commitment=commitment_of(seed), created_by_id=staff.id, **values,
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


async def eligible_ids(lottery: Lottery, settings: Settings) -> list[int]:
    """The sorted ids of the members who may win, as of now."""
    kind = EligibleSet(lottery.eligible_set)
    if kind is EligibleSet.EVENT_ATTENDEES:
        ids = await column(Rsvp.filter(event_id=lottery.event_id, checked_in_at__isnull=False
                                ), "user_id")
    elif kind is EligibleSet.CHECK_IN_STREAK:
        rows = await MemberStats.filter(current_streak__gte=lottery.min_streak or 1)
        ids = [s.user_id for s in rows if live_streak(s, settings) >= (lottery.min_streak or 1)]
    elif kind is EligibleSet.SURVEY_RESPONDENTS:
        from api.models.governance import SurveyResponse

        ids = await column(SurveyResponse.filter(survey_id=lottery.survey_id), "respondent_id")
    else:
        ids = await column(LotteryEntrant.filter(lottery_id=lottery.id), "user_id")
    return sorted(set(ids))


async def draw(actor: User | None, lottery_id: int, *, settings: Settings) -> Lottery:
    """Reveal the seed and record the winners. Runs once: the status change is the claim."""
    staff = require_role(actor, Role.MODERATOR)
    async with transaction():
        lottery = await Lottery.filter(id=lottery_id).select_for_update().first()
        if lottery is None:
            raise NotFound("No such lottery.", field="lotteryId")
        if lottery.status != LotteryStatus.OPEN:
            raise Conflict("This lottery was already drawn or cancelled.", field="lotteryId",
                           code=ErrorCode.CLOSED)
        eligible = await eligible_ids(lottery, settings)
        if not eligible:
            raise Conflict("Nobody is eligible yet.", field="lotteryId")
        claimed = await Lottery.filter(id=lottery.id, status=LotteryStatus.OPEN).update(
            status=LotteryStatus.DRAWN, drawn_at=now(), eligible_user_ids=eligible
        )
        if not claimed:
            raise Conflict("This lottery was already drawn.", field="lotteryId", code=ErrorCode.CLOSED)
        winners = compute_winners(lottery.seed, eligible, lottery.winner_count)
        prizes = list(lottery.prizes)
        await LotteryWinner.bulk_create([
            LotteryWinner(lottery_id=lottery.id, user_id=user_id, rank=rank,
                          prize=prizes[rank - 1] if rank - 1 < len(prizes) else "")
            for rank, user_id in enumerate(winners, start=1)
        ])
    await lottery.refresh_from_db()
    for rank, user_id in enumerate(winners, start=1):
        await notify(user_id, "engagement.lottery_won", actor_id=staff.id, subject_type="Lottery",
                     subject_id=lottery.id, message=f"You won in “{lottery.title}” (#{rank}).")
    return lottery


async def cancel(actor: User | None, lottery_id: int) -> Lottery:
    require_role(actor, Role.MODERATOR)
    changed = await Lottery.filter(id=lottery_id, status=LotteryStatus.OPEN).update(status=LotteryStatus.CANCELLED)
    lottery = await Lottery.filter(id=lottery_id).first()
    if lottery is None:
        raise NotFound("No such lottery.", field="lotteryId")
    if not changed:
        raise Conflict("Only an open lottery can be cancelled.", field="lotteryId", code=ErrorCode.CLOSED)
    return lottery
