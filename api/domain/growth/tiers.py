"""Tiers and benefits (会员等级与权益).

Admins define tiers with a rank and conditions (lifetime points earned, trust level; a
`manual_only` tier is only granted). A member holds the highest-ranked tier whose every set
condition they meet, recomputed by the `growth.tiers` job in batches with aggregate SQL, unless
staff granted one (kept until handed back). Every change is a `TierChanged` event: the member
is told of upgrades and downgrades (the job tells the members it moves with `notify_many`, a
fixed number of queries per batch and move). Benefits are enforced where they apply: rewards restricted
to a tier (`RewardTier`, asked through `MayRedeem`), extra upload bytes (`StorageQuotaBonus`),
earlier event sign-up (`EarlySignupHours`) and the flair shown with `User.tier`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from api.db import column, fetch_all
from api.domain.engagement.questions import EarlySignupHours, MayRedeem, TierRank, TiersReached
from api.domain.governance.questions import TierHolders
from api.domain.growth.events import TierChanged
from api.domain.media.questions import StorageQuotaBonus
from api.domain.notifications import notify, notify_many
from api.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, collect
from api.events import emit
from api.models.accounts import Role, User
from api.models.engagement import Reward
from api.models.growth import MemberTier, RewardTier, Tier, TierSource
from api.policies import require_role
from api.settings import Settings
from api.text import block, line
from api.timeutil import now
from api.transactions import transaction

BATCH = 500
NOT_EARNED = ("redemption", "refund")  # spending is not earning


@dataclass(frozen=True)
class TierInput:
    name: str
    rank: int
    description: str = ""
    min_points: int | None = None
    min_trust_level: int | None = None
    manual_only: bool = False
    flair: str = ""
    extra_upload_bytes: int = 0
    early_signup_hours: int = 0


def _clean(data: TierInput, settings: Settings) -> dict[str, Any]:
    errors: list[DomainError] = []
    name = line(data.name, "name", 64, errors=errors)
    description = block(data.description, "description", 2000, required=False, errors=errors)
    flair = line(data.flair, "flair", 32, required=False, errors=errors)
    if data.min_points is not None and data.min_points < 0:
        errors.append(Invalid("Use zero or more points.", field="minPoints"))
    if data.min_trust_level is not None and not 0 <= data.min_trust_level <= 4:
        errors.append(Invalid("Trust levels go from 0 to 4.", field="minTrustLevel"))
    if not data.manual_only and data.min_points is None and data.min_trust_level is None:
        errors.append(Invalid("Give points, a trust level, or make the tier manual only.", field="minPoints"))
    if data.extra_upload_bytes < 0:
        errors.append(Invalid("Use zero or more bytes.", field="extraUploadBytes"))
    if not 0 <= data.early_signup_hours <= 24 * 30:
        errors.append(Invalid("Use 0 to 720 hours.", field="earlySignupHours"))
    collect(errors)
    return dict(
        name=name,
        description=description,
        rank=data.rank,
        min_points=data.min_points,
        min_trust_level=data.min_trust_level,
        manual_only=data.manual_only,
        flair=flair,
        extra_upload_bytes=data.extra_upload_bytes,
        early_signup_hours=data.early_signup_hours,
    )


async def _unique(values: dict[str, Any], tier_id: int | None = None) -> None:
    for field in ("name", "rank"):
        clash = Tier.filter(**{field: values[field]})
        if tier_id is not None:
            clash = clash.exclude(id=tier_id)
        if await clash.exists():
            raise Conflict(f"Another tier has this {field}.", field=field)


async def create_tier(actor: User | None, data: TierInput, *, settings: Settings) -> Tier:
    require_role(actor, Role.ADMIN)
    values = _clean(data, settings)
    await _unique(values)
    try:
        return await Tier.create(**values)
    except IntegrityError:
        raise Conflict("Another tier has this name or rank.", field="name") from None


async def update_tier(actor: User | None, tier_id: int, data: TierInput, *, settings: Settings) -> Tier:
    require_role(actor, Role.ADMIN)
    tier = await Tier.filter(id=tier_id).first()
    if tier is None:
        raise NotFound("No such tier.", field="tierId")
    values = _clean(data, settings)
    await _unique(values, tier.id)
    await Tier.filter(id=tier.id).update(**values)
    return await Tier.get(id=tier.id)


async def delete_tier(actor: User | None, tier_id: int) -> bool:
    """Delete a tier; its holders lose it now (they are told) and the job gives them the next one."""
    require_role(actor, Role.ADMIN)
    tier = await Tier.filter(id=tier_id).first()
    if tier is None:
        raise NotFound("No such tier.", field="tierId")
    async with transaction():
        holders = await column(MemberTier.filter(tier_id=tier.id), "user_id")
        await tier.delete()
        for user_id in holders:
            await emit(TierChanged(user_id=user_id, old=tier.id, new=None, by_staff=True))
    return True


async def grant_tier(
    actor: User | None, user_id: int, tier_id: int | None, reason: str = "", *, settings: Settings
) -> MemberTier | None:
    """Give a member a tier by hand (kept from the job), or with no tier hand them back to the rules."""
    staff = require_role(actor, Role.ADMIN)
    if not await User.filter(id=user_id).exists():
        raise NotFound("No such member.", field="userId")
    reason = line(reason, "reason", min(settings.max_reason_length, 500), required=False)
    async with transaction():
        current = await MemberTier.filter(user_id=user_id).select_for_update().first()
        old = current.tier_id if current else None
        if tier_id is None:
            if current is not None:
                await current.delete()
        else:
            if not await Tier.filter(id=tier_id).exists():
                raise NotFound("No such tier.", field="tierId")
            if current is None:
                current = await MemberTier.create(
                    user_id=user_id, tier_id=tier_id, source=TierSource.MANUAL, granted_by=staff, reason=reason
                )
            else:
                await MemberTier.filter(id=current.id).update(
                    tier_id=tier_id, source=TierSource.MANUAL, granted_by_id=staff.id, reason=reason, since=now()
                )
        if old != tier_id:
            await emit(TierChanged(user_id=user_id, old=old, new=tier_id, by_staff=True))
    if tier_id is None:
        await recompute(settings, user_ids=[user_id])
        return await MemberTier.filter(user_id=user_id).first()
    return await MemberTier.get(user_id=user_id)


def qualifying(tiers: list[Tier], points: int, trust_level: int) -> Tier | None:
    """The highest-ranked rule tier whose every set condition holds."""
    for tier in sorted(tiers, key=lambda t: -t.rank):
        if tier.manual_only:
            continue
        if tier.min_points is not None and points < tier.min_points:
            continue
        if tier.min_trust_level is not None and trust_level < tier.min_trust_level:
            continue
        return tier
    return None


async def earned_points(user_ids: Iterable[int]) -> dict[int, int]:
    ids = list(user_ids)
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = await fetch_all(
        f"SELECT user_id, SUM(amount) AS n FROM engagement_point_entries WHERE user_id IN ({marks}) "
        "AND rule NOT IN (?, ?) GROUP BY user_id",
        [*ids, *NOT_EARNED],
    )
    return {int(r["user_id"]): int(r["n"] or 0) for r in rows}


async def _apply(user_id: int, current: MemberTier | None, target: Tier | None) -> bool:
    """Move one member from their current rule tier to `target` with a conditional write;
    False when another process got there first (it announces the change)."""
    if current is None:
        if target is None:
            return False
        # ON CONFLICT DO NOTHING, not a caught IntegrityError: that would abort a PostgreSQL transaction.
        return bool(
            await fetch_all(
                "INSERT INTO growth_member_tiers (user_id, tier_id, source, reason, since) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO NOTHING RETURNING id",
                [user_id, target.id, TierSource.RULES.value, "", now()],
            )
        )
    if target is None:
        return bool(await MemberTier.filter(id=current.id, tier_id=current.tier_id, source=TierSource.RULES).delete())
    return bool(
        await MemberTier.filter(id=current.id, tier_id=current.tier_id, source=TierSource.RULES).update(
            tier_id=target.id, since=now()
        )
    )


async def recompute(settings: Settings, user_ids: list[int] | None = None) -> int:
    """Give every member (or those of `user_ids`) the tier their points and trust level reach,
    in batches of a fixed number of queries; returns how many changed."""
    tiers = await Tier.all()
    changed, last_id = 0, 0
    while True:
        query = User.filter(id__gt=last_id).order_by("id").limit(BATCH)
        if user_ids is not None:
            query = query.filter(id__in=user_ids)
        members = await query.values("id", "trust_level")
        if not members:
            return changed
        last_id = members[-1]["id"]
        ids = [m["id"] for m in members]
        points = await earned_points(ids)
        held = {row.user_id: row for row in await MemberTier.filter(user_id__in=ids)}
        moves: dict[tuple[int | None, int | None], list[int]] = {}
        for member in members:
            current = held.get(member["id"])
            if current is not None and current.source == TierSource.MANUAL:
                continue
            target = qualifying(tiers, points.get(member["id"], 0), member["trust_level"])
            if (current.tier_id if current else None) == (target.id if target else None):
                continue
            if await _apply(member["id"], current, target):
                changed += 1
                old, new = current.tier_id if current else None, target.id if target else None
                moves.setdefault((old, new), []).append(member["id"])
                await emit(TierChanged(user_id=member["id"], old=old, new=new, by_staff=False))
        # The members are told by move (the same message), not one by one (`tell_member` leaves these to us).
        names = {t.id: t.name for t in tiers}
        ranks = {t.id: t.rank for t in tiers}
        for (old, new), movers in moves.items():
            await notify_many(
                movers,
                "growth.tier_changed",
                subject_type="User",
                subject_is_member=True,
                message=_change_message(old, new, names, ranks),
                data={"old": old, "new": new},
            )


async def tiers_job(settings: Settings) -> bool:
    """Background job: every member's tier (correct with several processes: conditional writes)."""
    return bool(await recompute(settings))


def _change_message(old: int | None, new: int | None, names: dict[int, str], ranks: dict[int, int]) -> str:
    if new is None:
        return "You no longer hold a tier."
    if old is None or ranks.get(new, 0) > ranks.get(old, -1 << 30):
        return f"You reached the {names.get(new, 'new')} tier."
    return f"Your tier is now {names.get(new, 'another one')}."


async def tell_member(event: TierChanged, settings: Settings) -> None:
    """Upgrades and downgrades by staff are told to the member (the `growth.tiers` job tells the
    members it moves itself, many at once: `recompute`)."""
    if not event.by_staff:
        return
    rows = await Tier.filter(id__in=[i for i in (event.old, event.new) if i]).values_list("id", "name", "rank")
    names = {row[0]: row[1] for row in rows}
    ranks = {row[0]: row[2] for row in rows}
    await notify(
        event.user_id,
        "growth.tier_changed",
        subject_type="User",
        subject_id=event.user_id,
        message=_change_message(event.old, event.new, names, ranks),
        data={"old": event.old, "new": event.new},
    )


async def tier_of(user_id: int) -> Tier | None:
    held = await MemberTier.filter(user_id=user_id).select_related("tier").first()
    return held.tier if held else None


async def set_reward_tier(actor: User | None, reward_id: int, tier_id: int | None) -> Reward:
    """Restrict a reward of the catalogue to members of a tier (or a higher one); None lifts it."""
    require_role(actor, Role.ADMIN)
    reward = await Reward.filter(id=reward_id).first()
    if reward is None:
        raise NotFound("No such reward.", field="rewardId")
    if tier_id is None:
        await RewardTier.filter(reward_id=reward.id).delete()
        return reward
    if not await Tier.filter(id=tier_id).exists():
        raise NotFound("No such tier.", field="tierId")
    async with transaction():
        updated = await RewardTier.filter(reward_id=reward.id).update(tier_id=tier_id)
        if not updated:
            await RewardTier.create(reward_id=reward.id, tier_id=tier_id)
    return reward


async def may_redeem(question: MayRedeem, settings: Settings) -> None:
    """Decider of `MayRedeem`: a tier-only reward needs the member to hold that tier or a higher one."""
    rule = await RewardTier.filter(reward_id=question.reward_id).select_related("tier").first()
    if rule is None:
        return
    held = await tier_of(question.user_id)
    if held is None or held.rank < rule.tier.rank:
        raise Forbidden(f"This reward is for members of the {rule.tier.name} tier and above.", field="rewardId")


async def storage_bonus(question: StorageQuotaBonus, settings: Settings) -> int:
    """Decider of `StorageQuotaBonus`: the extra upload bytes of the member's tier."""
    held = await tier_of(question.user_id)
    return held.extra_upload_bytes if held else 0


async def load_member_tiers(user_ids: list[int]) -> list[Tier | None]:
    """DataLoader batch: the tier each member holds, in order of `user_ids`."""
    rows = await MemberTier.filter(user_id__in=set(user_ids)).select_related("tier")
    by_user = {r.user_id: r.tier for r in rows}
    return [by_user.get(i) for i in user_ids]


async def load_reward_tiers(reward_ids: list[int]) -> list[Tier | None]:
    """DataLoader batch: the tier each reward is restricted to, in order of `reward_ids`."""
    rows = await RewardTier.filter(reward_id__in=set(reward_ids)).select_related("tier")
    by_reward = {r.reward_id: r.tier for r in rows}
    return [by_reward.get(i) for i in reward_ids]


async def early_signup(question: EarlySignupHours, settings: Settings) -> int:
    """Decider of `EarlySignupHours`: the early sign-up window of the member's tier."""
    held = await tier_of(question.user_id)
    return held.early_signup_hours if held else 0


async def tier_holders(question: TierHolders, settings: Settings) -> list[int] | None:
    """Decider of `TierHolders`: members holding the tier or a higher-ranked one (None: no such tier)."""
    tier = await Tier.filter(id=question.tier_id).first()
    if tier is None:
        return None
    return await column(MemberTier.filter(tier__rank__gte=tier.rank), "user_id")


async def tiers_reached(question: TiersReached, settings: Settings) -> frozenset[int]:
    """Decider of `TiersReached`: the member's tier and the tiers ranked below it."""
    held = await tier_of(question.user_id)
    if held is None:
        return frozenset()
    return frozenset(await column(Tier.filter(rank__lte=held.rank), "id"))


async def tier_rank(question: TierRank, settings: Settings) -> int | None:
    """Decider of `TierRank`: a tier's rank, or the rank of the tier a member holds."""
    if question.tier_id is not None:
        tier = await Tier.filter(id=question.tier_id).first()
    else:
        tier = await tier_of(question.user_id or 0)
    return None if tier is None else tier.rank
