"""Sanctions given by moderators: warnings, mutes (with a duration) and bans (with a duration or
permanent). They are `accounts.Sanction` rows: the permission guard refuses muted and banned
members on every write, sign-in refuses banned ones, and each ends by itself at `ends_at`."""

from __future__ import annotations

from datetime import timedelta

from tortoise.queryset import QuerySet

from api.domain.accounts.events import MemberAccessChanged
from api.domain.moderation import modlog
from api.domain.moderation._text import note
from api.domain.notifications import notify
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.events import emit
from api.models.accounts import Role, Sanction, SanctionKind, User
from api.models.moderation import LogAction
from api.policies import require_role
from api.settings import Settings
from api.timeutil import now

MAX_DURATION = timedelta(days=3650)

_LOG_ACTION = {
    SanctionKind.WARNING: LogAction.MEMBER_WARNED,
    SanctionKind.MUTE: LogAction.MEMBER_MUTED,
    SanctionKind.BAN: LogAction.MEMBER_BANNED,
}


def _check_duration(kind: SanctionKind, duration: timedelta | None) -> None:
    if kind is SanctionKind.WARNING:
        return
    if duration is None:
        if kind is SanctionKind.MUTE:
            raise Invalid("A mute needs a duration.", field="durationHours")
        return  # a permanent ban
    if duration <= timedelta(0) or duration > MAX_DURATION:
        raise Invalid("Use a duration between one hour and ten years.", field="durationHours")


async def sanction_member(
    actor: User | None,
    user_id: int,
    kind: SanctionKind,
    *,
    duration: timedelta | None = None,
    reason: str = "",
    settings: Settings,
) -> Sanction:
    """Warn, mute or ban a member. Moderators sanction members; admins also moderators;
    nobody sanctions themself or an admin."""
    moderator = require_role(actor, Role.MODERATOR)
    reason = note(reason, "reason", required=True, settings=settings)
    _check_duration(kind, duration)
    target = await User.filter(id=user_id).first()
    if target is None:
        raise NotFound("No such member.", field="userId")
    if target.id == moderator.id:
        raise Forbidden("You cannot sanction yourself.", field="userId")
    if not Role(moderator.role).rank > Role(target.role).rank:
        raise Forbidden("You may only sanction members below your role.", field="userId")
    ends_at = None if kind is SanctionKind.WARNING or duration is None else now() + duration
    sanction = await Sanction.create(
        user_id=target.id, kind=kind, reason=reason, created_by_id=moderator.id, ends_at=ends_at
    )
    if kind is not SanctionKind.WARNING:  # open WebSockets re-check (a ban closes them) now
        await emit(MemberAccessChanged(user_id=target.id, reason=kind.value.lower()))
    await modlog.record(
        _LOG_ACTION[kind],
        actor_id=moderator.id,
        subject_type="User",
        subject_id=target.id,
        subject_label=target.username,
        reason=reason,
    )
    until = (
        ""
        if kind is SanctionKind.WARNING
        else (" permanently" if ends_at is None else f" until {ends_at.isoformat(timespec='minutes')}")
    )
    verb = {SanctionKind.WARNING: "warned", SanctionKind.MUTE: "muted", SanctionKind.BAN: "banned"}[kind]
    await notify(
        target.id,
        f"moderation.{verb}",
        actor_id=moderator.id,
        subject_type="User",
        subject_id=target.id,
        message=f"You were {verb}{until}: {reason}",
    )
    return sanction


async def revoke_sanction(actor: User | None, sanction_id: int, reason: str, *, settings: Settings) -> Sanction:
    """Lift a mute or ban early (or withdraw a warning)."""
    moderator = require_role(actor, Role.MODERATOR)
    reason = note(reason, "reason", required=True, settings=settings)
    sanction = await Sanction.filter(id=sanction_id).select_related("user").first()
    if sanction is None:
        raise NotFound("No such sanction.", field="sanctionId")
    if not Role(moderator.role).rank > Role(sanction.user.role).rank:
        raise Forbidden("You may only lift sanctions of members below your role.", field="sanctionId")
    moment = now()
    lifted = await Sanction.filter(id=sanction.id, revoked_at__isnull=True).update(revoked_at=moment)
    if not lifted:
        raise Conflict("This sanction was already lifted.", field="sanctionId")
    sanction.revoked_at = moment
    await modlog.record(
        LogAction.SANCTION_REVOKED,
        actor_id=moderator.id,
        subject_type="User",
        subject_id=sanction.user_id,
        subject_label=sanction.user.username,
        reason=reason,
    )
    return sanction


def sanctions_of(user_id: int, kind: SanctionKind | None = None) -> QuerySet[Sanction]:
    query = Sanction.filter(user_id=user_id).order_by("-created_at", "-id")
    return query if kind is None else query.filter(kind=kind)
