"""Coupons (优惠券): a reward of the catalogue can hand out coupon codes, generated here or
imported in bulk (a partner's codes), each with an optional expiry.

Adding codes adds as much stock, so a coupon reward keeps the stock and overdraft rules of every
reward (`api.domain.engagement.rewards.redeem`): the points are debited and the stock taken
with conditional updates, then, in the same transaction, one free unexpired code is claimed for
the redemption (`IssueCoupon`, a conditional update on the code; the reward row stays locked by
its stock update until commit on PostgreSQL, and SQLite serialises writers). Without a code
left the redemption is refused and nothing is spent. `per_member_limit = 1` makes it one per
member. Members see theirs with `myCoupons`; staff mark a code used at the counter.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from api.db import column
from api.domain.engagement.questions import IssueCoupon
from api.errors import Conflict, DomainError, Invalid, NotFound, collect
from api.models.accounts import Role, User
from api.models.engagement import Reward
from api.models.growth import Coupon
from api.policies import require_member, require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

MAX_CODES = 10_000  # per call
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CLAIM_ATTEMPTS = 5


def new_code(groups: int = 3, size: int = 4) -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(size)) for _ in range(groups))


async def _reward(reward_id: int) -> Reward:
    reward = await Reward.filter(id=reward_id).first()
    if reward is None:
        raise NotFound("No such reward.", field="rewardId")
    return reward


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= now():
        raise Invalid("The expiry must be in the future.", field="expiresAt")


async def _add(reward: Reward, codes: list[str], batch: str, expires_at: datetime | None) -> int:
    async with transaction():
        await Coupon.bulk_create(
            [Coupon(reward_id=reward.id, code=code, batch=batch, expires_at=expires_at) for code in codes]
        )
        await Reward.filter(id=reward.id).update(stock=F("stock") + len(codes))
    return len(codes)


async def generate_codes(
    actor: User | None, reward_id: int, count: int, *, batch: str = "", expires_at: datetime | None = None
) -> int:
    """Generate `count` random codes for a reward (and as much stock)."""
    require_role(actor, Role.ADMIN)
    reward = await _reward(reward_id)
    if not 1 <= count <= MAX_CODES:
        raise Invalid(f"Generate 1 to {MAX_CODES} codes at once.", field="count")
    _check_expiry(expires_at)
    existing = set(await column(Coupon.filter(reward_id=reward.id), "code"))
    codes: list[str] = []
    while len(codes) < count:
        code = new_code()
        if code not in existing:
            existing.add(code)
            codes.append(code)
    return await _add(reward, codes, batch.strip()[:100], expires_at)


async def import_codes(
    actor: User | None, reward_id: int, codes: list[str], *, batch: str = "", expires_at: datetime | None = None
) -> int:
    """Import a partner's codes for a reward (and as much stock). Duplicates are refused."""
    require_role(actor, Role.ADMIN)
    reward = await _reward(reward_id)
    _check_expiry(expires_at)
    cleaned = [c.strip() for c in codes if c and c.strip()]
    errors: list[DomainError] = []
    if not 1 <= len(cleaned) <= MAX_CODES:
        errors.append(Invalid(f"Import 1 to {MAX_CODES} codes at once.", field="codes"))
    bad = [c for c in cleaned if len(c) > 64 or not c.isprintable()]
    if bad:
        errors.append(Invalid(f"Codes are 1 to 64 printable characters: {bad[0][:70]!r} is not.", field="codes"))
    if len(set(cleaned)) != len(cleaned):
        errors.append(Invalid("The list repeats a code.", field="codes"))
    collect(errors)
    taken = await Coupon.filter(reward_id=reward.id, code__in=cleaned).values_list("code", flat=True)
    if taken:
        raise Conflict(f"This reward already has the code {taken[0]!r}.", field="codes")
    return await _add(reward, cleaned, batch.strip()[:100], expires_at)


async def issue(question: IssueCoupon, settings: Settings) -> str | None:
    """Decider of `IssueCoupon`: claim one free, unexpired code of the reward for the redemption."""
    if not await Coupon.filter(reward_id=question.reward_id).exists():
        return None  # not a coupon reward
    moment = now()
    for _ in range(CLAIM_ATTEMPTS):
        free = await (
            Coupon.filter(
                Q(expires_at__isnull=True) | Q(expires_at__gt=moment),
                reward_id=question.reward_id,
                user_id__isnull=True,
            )
            .order_by("id")
            .first()
        )
        if free is None:
            break
        claimed = await Coupon.filter(id=free.id, user_id__isnull=True).update(
            user_id=question.user_id, redemption_id=question.redemption_id, issued_at=moment
        )
        if claimed:
            return free.code
    raise Conflict("This reward has no coupon code left.", field="rewardId")


def my_coupons(actor: User | None) -> QuerySet[Coupon]:
    """The viewer's coupons, newest first."""
    member = require_member(actor)
    return Coupon.filter(user_id=member.id).order_by("-issued_at", "-id")


def reward_coupons(actor: User | None, reward_id: int) -> QuerySet[Coupon]:
    """Every code of a reward (staff)."""
    require_role(actor, Role.MODERATOR)
    return Coupon.filter(reward_id=reward_id).order_by("id")


async def mark_used(actor: User | None, reward_id: int, code: str) -> Coupon:
    """Staff mark an issued code used (once)."""
    staff = require_role(actor, Role.MODERATOR)
    coupon = await Coupon.filter(reward_id=reward_id, code=(code or "").strip()).first()
    if coupon is None:
        raise NotFound("No such code for this reward.", field="code")
    if coupon.user_id is None:
        raise Conflict("This code has not been issued to anyone.", field="code")
    if coupon.expires_at is not None and coupon.expires_at <= now():
        raise Conflict("This code has expired.", field="code")
    marked = await Coupon.filter(id=coupon.id, used_at__isnull=True).update(used_at=now(), used_marked_by_id=staff.id)
    if not marked:
        raise Conflict("This code was already used.", field="code")
    return await Coupon.get(id=coupon.id)
