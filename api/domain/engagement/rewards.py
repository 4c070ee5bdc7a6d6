"""Rewards catalogue (积分兑换): staff manage items; members redeem them with points.

`redeem` debits the balance and takes stock in one transaction with conditional updates
(`balance >= cost`, `stock >= 1`): the database re-checks each condition under the row lock,
so concurrent redemptions never overdraw a balance or oversell the last items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F

from api.domain.engagement.common import clean_line, clean_text, community_day, ensure_account, reason_limit
from api.domain.engagement.points import record_entry
from api.domain.engagement.questions import IssueCoupon, MayRedeem
from api.domain.notifications import notify
from api.errors import Conflict, ErrorCode, Invalid, NotFound
from api.events import decide
from api.models.accounts import Role, User
from api.models.engagement import PointAccount, Redemption, RedemptionStatus, Reward
from api.policies import require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction


@dataclass
class RewardInput:
    name: str | None = None
    description: str | None = None
    cost: int | None = None
    stock: int | None = None
    per_member_limit: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    active: bool | None = None


def _apply(reward: Reward, data: RewardInput, settings: Settings, *, creating: bool) -> None:
    if creating or data.name is not None:
        reward.name = clean_line(data.name, "name", settings.max_title_length)
    if data.description is not None:
        reward.description = clean_text(data.description, "description", settings.max_body_length, required=False)
    if creating or data.cost is not None:
        if data.cost is None or data.cost < 1:
            raise Invalid("The cost must be at least 1 point.", field="cost")
        reward.cost = data.cost
    if creating or data.stock is not None:
        if data.stock is None or data.stock < 0:
            raise Invalid("The stock cannot be negative.", field="stock")
        reward.stock = data.stock
    if data.per_member_limit is not None:
        if data.per_member_limit < 0:
            raise Invalid("Use 0 for no limit, or a positive limit.", field="perMemberLimit")
        reward.per_member_limit = data.per_member_limit or None
    if data.starts_at is not None:
        reward.starts_at = data.starts_at
    if data.ends_at is not None:
        reward.ends_at = data.ends_at
    if reward.starts_at and reward.ends_at and reward.ends_at <= reward.starts_at:
        raise Invalid("The window must end after it starts.", field="endsAt")
    if data.active is not None:
        reward.active = data.active


async def create_reward(actor: User | None, data: RewardInput, *, settings: Settings) -> Reward:
    staff = require_role(actor, Role.MODERATOR)
    reward = Reward(created_by_id=staff.id)
    _apply(reward, data, settings, creating=True)
    await reward.save()
    return reward


async def update_reward(actor: User | None, reward_id: int, data: RewardInput, *, settings: Settings) -> Reward:
    """Change catalogue fields. Setting `stock` replaces the count of items left."""
    require_role(actor, Role.MODERATOR)
    async with transaction():
        reward = await Reward.filter(id=reward_id).select_for_update().first()
        if reward is None:
            raise NotFound("No such reward.", field="rewardId")
        _apply(reward, data, settings, creating=False)
        await reward.save()
    return reward


def _check_window(reward: Reward, at: datetime) -> None:
    if not reward.active:
        raise Conflict("This reward is not available.", field="rewardId", code=ErrorCode.CLOSED)
    if reward.starts_at and at < reward.starts_at:
        raise Conflict("This reward is not available yet.", field="rewardId", code=ErrorCode.CLOSED)
    if reward.ends_at and at >= reward.ends_at:
        raise Conflict("This reward is no longer available.", field="rewardId", code=ErrorCode.CLOSED)


async def redeem(user: User, reward_id: int, *, settings: Settings) -> Redemption:
    """Spend points on one item of a reward."""
    reward = await Reward.filter(id=reward_id).first()
    if reward is None:
        raise NotFound("No such reward.", field="rewardId")
    at = now()
    _check_window(reward, at)
    await decide(MayRedeem(user_id=user.id, reward_id=reward.id), settings)
    await ensure_account(user.id)
    async with transaction():
        # Debit first: this locks the member's account row until commit, so the per-member
        # limit below is counted with no concurrent redemption of theirs in flight.
        debited = await PointAccount.filter(user_id=user.id, balance__gte=reward.cost).update(
            balance=F("balance") - reward.cost
        )
        if not debited:
            raise Conflict("You do not have enough points.", field="rewardId", code=ErrorCode.QUOTA_EXCEEDED)
        if reward.per_member_limit:
            taken = await Redemption.filter(
                user_id=user.id, reward_id=reward.id, status__not=RedemptionStatus.REFUNDED
            ).count()
            if taken >= reward.per_member_limit:
                raise Conflict(
                    f"You can redeem this reward {reward.per_member_limit} time(s) at most.",
                    field="rewardId",
                    code=ErrorCode.QUOTA_EXCEEDED,
                )
        took = await Reward.filter(id=reward.id, stock__gte=1, active=True).update(stock=F("stock") - 1)
        if not took:
            raise Conflict("This reward is out of stock.", field="rewardId")
        redemption = await Redemption.create(reward_id=reward.id, user_id=user.id, cost=reward.cost)
        # A coupon reward hands out one of its codes here, in the same transaction: when none is
        # left the decider raises and nothing above is kept.
        await decide(IssueCoupon(user_id=user.id, reward_id=reward.id, redemption_id=redemption.id), settings)
        await record_entry(
            user.id,
            -reward.cost,
            "redemption",
            day=community_day(settings, at),
            reason=reward.name[:500],
            source_type="Redemption",
            source_id=redemption.id,
            move_balance=False,
        )  # debited above
    return redemption


async def _handle(actor: User | None, redemption_id: int) -> tuple[User, Redemption]:
    staff = require_role(actor, Role.MODERATOR)
    redemption = await Redemption.filter(id=redemption_id).select_for_update().first()
    if redemption is None:
        raise NotFound("No such redemption.", field="redemptionId")
    if redemption.status != RedemptionStatus.PENDING:
        raise Conflict(f"This redemption is already {redemption.status.lower()}.", field="redemptionId")
    return staff, redemption


async def fulfil(actor: User | None, redemption_id: int, note: str = "", *, settings: Settings) -> Redemption:
    """Staff mark a pending redemption delivered."""
    note = clean_text(note, "note", reason_limit(settings), required=False)
    async with transaction():
        staff, redemption = await _handle(actor, redemption_id)
        redemption.status, redemption.handled_by_id = RedemptionStatus.FULFILLED, staff.id
        redemption.handled_at, redemption.note = now(), note
        await redemption.save()
    await notify(
        redemption.user_id,
        "engagement.redemption_fulfilled",
        actor_id=staff.id,
        subject_type="Redemption",
        subject_id=redemption.id,
        message="Your reward is on its way.",
    )
    return redemption


async def refund(actor: User | None, redemption_id: int, note: str = "", *, settings: Settings) -> Redemption:
    """Staff cancel a pending redemption: the points are credited back and the item restocked."""
    note = clean_text(note, "note", reason_limit(settings), required=False)
    async with transaction():
        staff, redemption = await _handle(actor, redemption_id)
        redemption.status, redemption.handled_by_id = RedemptionStatus.REFUNDED, staff.id
        redemption.handled_at, redemption.note = now(), note
        await redemption.save()
        await Reward.filter(id=redemption.reward_id).update(stock=F("stock") + 1)
        await record_entry(
            redemption.user_id,
            redemption.cost,
            "refund",
            day=community_day(settings),
            reason=note or "Refund",
            source_type="Redemption",
            source_id=redemption.id,
            created_by_id=staff.id,
        )
    await notify(
        redemption.user_id,
        "engagement.redemption_refunded",
        actor_id=staff.id,
        subject_type="Redemption",
        subject_id=redemption.id,
        message=f"Your redemption was refunded: {redemption.cost} points are back.",
    )
    return redemption
