"""Invites: codes members hand out to bring people in, and the record of who invited whom.

Who may invite (`may_invite`): staff anywhere. Members invite to the community unless joining
needs moderators' APPROVAL (an invite would skip it), and to a space only when it is OPEN or allows
member invites (`SpaceJoinPolicy.members_may_invite`). An invite to a space admits to that space
alone unless it says it also admits to the community (`admitsToCommunity`, staff only). Nobody
uses their own invite."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from api.domain.moderation import modlog
from api.errors import Forbidden, Invalid, NotFound
from api.models.accounts import Role, User
from api.models.moderation import (
    Admission,
    AdmissionVia,
    Invite,
    JoinPolicy,
    LogAction,
    Referral,
    SpaceJoinPolicy,
)
from api.policies import is_admin, is_staff
from api.settings import Settings
from api.timeutil import now

CODE_PREFIX = "inv_"
MAX_LIFETIME = timedelta(days=365)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def may_invite(
    actor: User, space_id: int | None, *, admits_to_community: bool = False, settings: Settings
) -> str | None:
    """Why the actor may not create this invite, or None when they may."""
    from api.domain.moderation.admission import community_policy, policy_for

    if is_staff(actor):
        return None
    if actor.trust_level < settings.trust_level_to_invite:
        return f"Invites unlock at trust level {settings.trust_level_to_invite}: take part a little first."
    if admits_to_community and space_id is not None:
        return "Only moderators make a space's invite admit to the community."
    if space_id is None:
        if community_policy(settings=settings) is JoinPolicy.APPROVAL:
            return "Joining needs moderators' approval: only they invite to the community."
        return None
    if await policy_for(space_id, settings=settings) is JoinPolicy.OPEN:
        return None
    if await SpaceJoinPolicy.filter(space_id=space_id, members_may_invite=True).exists():
        return None
    return "Only moderators invite people into this space."


async def create_invite(
    actor: User,
    *,
    max_uses: int,
    expires_at: datetime,
    role: str | None = None,
    space_id: int | None = None,
    admits_to_community: bool | None = None,
    settings: Settings,
) -> tuple[Invite, str]:
    """A new invite and its code (shown once). Only admins may attach a role. A space's invite
    admits to the community too only when `admits_to_community` says so."""
    limit = settings.moderation_max_invite_uses
    if not 1 <= max_uses <= limit:
        raise Invalid(f"Allow between 1 and {limit} uses.", field="maxUses")
    moment = now()
    if expires_at <= moment:
        raise Invalid("The expiry must be in the future.", field="expiresAt")
    if expires_at > moment + MAX_LIFETIME:
        raise Invalid("Invites last at most a year.", field="expiresAt")
    if role is not None:
        if role not in {r.value for r in Role}:
            raise Invalid("Unknown role.", field="role")
        if role != Role.MEMBER.value and not is_admin(actor):
            raise Forbidden("Only admins may invite with a role.", field="role")
    if space_id is not None:
        from api.domain.moderation.admission import load_space

        await load_space(actor, space_id)
    community = space_id is None or bool(admits_to_community)
    if problem := await may_invite(actor, space_id, admits_to_community=community, settings=settings):
        raise Forbidden(problem, field="spaceId" if space_id is not None else None)
    code = CODE_PREFIX + secrets.token_urlsafe(12)
    invite = await Invite.create(
        code_hash=hash_code(code),
        code_hint=code[: len(CODE_PREFIX) + 4],
        created_by=actor,
        role=role if role != Role.MEMBER.value else None,
        space_id=space_id,
        max_uses=max_uses,
        expires_at=expires_at,
        admits_to_community=community,
    )
    return invite, code


async def revoke_invite(actor: User, invite_id: int) -> Invite:
    """Its creator or staff revoke an invite; uses already made stay."""
    invite = await Invite.filter(id=invite_id).first()
    if invite is None or not (invite.created_by_id == actor.id or is_staff(actor)):
        raise NotFound("No such invite.", field="inviteId")
    if invite.revoked_at is None:
        invite.revoked_at = now()
        await invite.save(update_fields=["revoked_at"])
        if invite.created_by_id != actor.id:
            await modlog.record(
                LogAction.INVITE_REVOKED,
                actor_id=actor.id,
                subject_type="Invite",
                subject_id=invite.id,
                subject_label=invite.code_hint,
            )
    return invite


async def consume(code: str, user: User | None = None) -> Invite:
    """Use one place of a valid invite, atomically (the conditional update cannot overrun
    `max_uses` even when several people register with the same code at once). Nobody uses an
    invite they created."""
    invite = await Invite.filter(code_hash=hash_code(code)).first()
    moment = now()
    if invite is None or invite.revoked_at is not None:
        raise Invalid("This invite code is not valid.", field="inviteCode")
    if user is not None and invite.created_by_id == user.id:
        raise Invalid("You cannot use an invite you created.", field="inviteCode")
    if invite.expires_at <= moment:
        raise Invalid("This invite has expired.", field="inviteCode")
    claimed = await Invite.filter(
        id=invite.id, revoked_at__isnull=True, expires_at__gt=moment, uses__lt=F("max_uses")
    ).update(uses=F("uses") + 1)
    if not claimed:
        raise Invalid("This invite has been used up.", field="inviteCode")
    invite.uses += 1
    return invite


async def admit_with_invite(user: User, invite: Invite) -> None:
    """Record the referral and the admissions an invite grants."""
    await Referral.get_or_create(invite_id=invite.id, invitee_id=user.id, defaults={"inviter_id": invite.created_by_id})
    scopes = ([0] if invite.admits_to_community else []) + ([invite.space_id] if invite.space_id else [])
    for scope in scopes:
        await Admission.get_or_create(
            user_id=user.id, scope=scope, defaults={"via": AdmissionVia.INVITE, "granted_by_id": invite.created_by_id}
        )


async def redeem_invite(actor: User, code: str) -> Invite:
    """An existing member uses an invite (e.g. to enter an invite-only space)."""
    code = (code or "").strip()
    if not code:
        raise Invalid("Enter the invite code.", field="code")
    invite = await Invite.filter(code_hash=hash_code(code)).first()
    if invite is not None and await Referral.filter(invite_id=invite.id, invitee_id=actor.id).exists():
        return invite  # already redeemed: no second use
    try:
        invite = await consume(code, actor)
    except Invalid as exc:
        raise Invalid(exc.message, field="code") from None
    await admit_with_invite(actor, invite)
    return invite


def invites_of(viewer: User, *, everyone: bool = False) -> QuerySet[Invite]:
    """The viewer's invites; staff may ask for everyone's."""
    query = Invite.all().order_by("-created_at", "-id")
    return query if everyone and is_staff(viewer) else query.filter(created_by_id=viewer.id)


def referrals_visible_to(viewer: User, inviter_id: int | None = None) -> QuerySet[Referral]:
    """Referrals the viewer may list: staff see all (or one inviter's), members those they made
    or received."""
    query = Referral.all().order_by("-created_at", "-id")
    if is_staff(viewer):
        return query if inviter_id is None else query.filter(inviter_id=inviter_id)
    query = query.filter(Q(inviter_id=viewer.id) | Q(invitee_id=viewer.id))
    return query if inviter_id is None else query.filter(inviter_id=inviter_id)
