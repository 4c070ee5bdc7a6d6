"""Admission: the join policy of the community and of spaces, join requests decided by
moderators, and the sign-up check (invite codes) run inside `register`'s transaction.

Scope 0 is the community; any other scope is a forum space id. A member is admitted to a scope
whose policy is OPEN, or when an `Admission` row says so (approval, invite, open sign-up)."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from api.domain.accounts.events import AdmitMember
from api.domain.moderation import invites, modlog
from api.domain.moderation._text import note
from api.domain.notifications import notify
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models.accounts import Role, User
from api.models.moderation import (
    Admission,
    AdmissionVia,
    JoinPolicy,
    JoinRequest,
    JoinRequestStatus,
    LogAction,
    SpaceJoinPolicy,
)
from api.policies import can_see, is_staff, require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

COMMUNITY = 0


def community_policy(*, settings: Settings) -> JoinPolicy:
    return JoinPolicy(settings.moderation_join_policy)


async def load_space(viewer: User | None, space_id: int) -> Any:
    """The forum space `space_id` if the viewer may see it (NotFound otherwise)."""
    from api.models.forum import Space

    space = await Space.filter(id=space_id).first()
    if space is None or not can_see(viewer, space.visibility, allowed_roles=space.allowed_roles):
        raise NotFound("No such space.", field="spaceId")
    return space


async def policy_for(space_id: int | None, *, settings: Settings) -> JoinPolicy:
    if space_id:
        override = await SpaceJoinPolicy.filter(space_id=space_id).first()
        if override is not None:
            return JoinPolicy(override.policy)
    return community_policy(settings=settings)


async def space_policies(space_ids: list[int], *, settings: Settings) -> dict[int, JoinPolicy]:
    """The effective policy of each space, in one query."""
    overrides = {row.space_id: JoinPolicy(row.policy) for row in await SpaceJoinPolicy.filter(space_id__in=space_ids)}
    return {space_id: overrides.get(space_id, community_policy(settings=settings)) for space_id in space_ids}


async def set_space_policy(
    actor: User | None,
    space_id: int,
    policy: JoinPolicy | None,
    *,
    members_may_invite: bool = False,
    settings: Settings,
) -> JoinPolicy:
    """Admins override the join policy of a space (None: follow the community's), and say
    whether members may invite people into it (otherwise only staff do when it is not OPEN)."""
    admin = require_role(actor, Role.ADMIN)
    space = await load_space(admin, space_id)
    if policy is None:
        await SpaceJoinPolicy.filter(space_id=space_id).delete()
    else:
        await SpaceJoinPolicy.update_or_create(
            space_id=space_id, defaults={"policy": policy, "members_may_invite": members_may_invite}
        )
    effective = await policy_for(space_id, settings=settings)
    await modlog.record(
        LogAction.JOIN_POLICY_CHANGED,
        actor_id=admin.id,
        subject_type="Space",
        subject_id=space_id,
        subject_label=space.name,
        reason=effective.value,
    )
    return effective


async def is_admitted(user: User, space_id: int | None = None, *, settings: Settings) -> bool:
    """Whether the member is admitted to the community, or with `space_id` to that space. A space
    without an override of its own follows the community: admission to the community is enough."""
    if is_staff(user):
        return True
    if space_id:
        override = await SpaceJoinPolicy.filter(space_id=space_id).first()
        if override is None or override.policy == JoinPolicy.OPEN:
            return True
        return await Admission.filter(user_id=user.id, scope=space_id).exists()
    if community_policy(settings=settings) is JoinPolicy.OPEN:
        return True
    return await Admission.filter(user_id=user.id, scope=COMMUNITY).exists()


async def require_admitted(user: User, space_id: int | None = None, *, settings: Settings) -> None:
    """Refuse a member who has not been admitted to the community (or to the space)."""
    if not await is_admitted(user, settings=settings):
        raise Forbidden("Your membership has not been approved yet; request to join first.")
    if space_id and not await is_admitted(user, space_id, settings=settings):
        raise Forbidden("Join this space before posting in it.", field="spaceId")


async def request_to_join(actor: User, space_id: int | None, message: str, *, settings: Settings) -> JoinRequest:
    """Ask to join the community or a space whose policy is APPROVAL."""
    message = note(message, "message", label="a message", settings=settings)
    if space_id is not None:
        await load_space(actor, space_id)
        if not await is_admitted(actor, settings=settings):
            raise Forbidden("Join the community before joining a space.", field="spaceId")
    if await is_admitted(actor, space_id, settings=settings):
        raise Conflict("You are already a member.", field="spaceId" if space_id else None)
    policy = await policy_for(space_id, settings=settings)
    if policy is JoinPolicy.INVITE_ONLY:
        raise Forbidden("Joining is by invitation only; redeem an invite code.", field="spaceId" if space_id else None)
    try:
        return await JoinRequest.create(user=actor, space_id=space_id, scope=space_id or COMMUNITY, message=message)
    except IntegrityError:  # the unique key allows one pending request per member and scope
        raise Conflict("Your request is already waiting for a moderator.") from None


def pending_requests(space_id: int | None = None) -> QuerySet[JoinRequest]:
    query = JoinRequest.filter(status=JoinRequestStatus.PENDING).order_by("created_at", "id")
    return query if space_id is None else query.filter(space_id=space_id)


async def _decide(
    actor: User | None, request_id: int, approve: bool, reason: str, *, settings: Settings
) -> JoinRequest:
    moderator = require_role(actor, Role.MODERATOR)
    reason = note(reason, "reason", required=not approve, settings=settings)
    async with transaction():
        request = await JoinRequest.filter(id=request_id).select_for_update().first()
        if request is None:
            raise NotFound("No such join request.", field="requestId")
        if request.status != JoinRequestStatus.PENDING:
            raise Conflict("This request has already been decided.", field="requestId")
        request.status = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.REJECTED
        request.pending = None
        request.decided_by_id = moderator.id
        request.decided_at = now()
        request.decision_reason = reason
        await request.save(update_fields=["status", "pending", "decided_by_id", "decided_at", "decision_reason"])
        if approve:
            await Admission.get_or_create(
                user_id=request.user_id,
                scope=request.scope,
                defaults={"via": AdmissionVia.APPROVAL, "granted_by_id": moderator.id},
            )
        await modlog.record(
            LogAction.JOIN_APPROVED if approve else LogAction.JOIN_REJECTED,
            actor_id=moderator.id,
            subject_type="JoinRequest",
            subject_id=request.id,
            reason=reason,
        )
    where = "the community" if not request.space_id else "the space"
    verdict = "approved" if approve else "declined"
    await notify(
        request.user_id,
        "moderation.join_request_decided",
        actor_id=moderator.id,
        subject_type="JoinRequest",
        subject_id=request.id,
        message=f"Your request to join {where} was {verdict}." + (f" {reason}" if reason else ""),
    )
    return request


async def approve_join_request(
    actor: User | None, request_id: int, reason: str = "", *, settings: Settings
) -> JoinRequest:
    return await _decide(actor, request_id, True, reason, settings=settings)


async def reject_join_request(actor: User | None, request_id: int, reason: str, *, settings: Settings) -> JoinRequest:
    """Decline with a reason, which the applicant sees."""
    return await _decide(actor, request_id, False, reason, settings=settings)


async def admit_new_member(question: AdmitMember, settings: Settings) -> None:
    """Decides `AdmitMember` in `register`'s transaction: raising refuses the sign-up and rolls
    it back. Accounts created by operators (admins, demo data) are not subject to the join policy."""
    user = question.user
    code = (question.invite_code or "").strip()
    if not question.sign_up and not code:
        return
    policy = community_policy(settings=settings)
    if not code:
        if policy is JoinPolicy.INVITE_ONLY:
            raise Invalid("Joining is by invitation only: enter your invite code.", field="inviteCode")
        if policy is JoinPolicy.OPEN:
            await Admission.create(user_id=user.id, scope=COMMUNITY, via=AdmissionVia.REGISTRATION)
        return  # APPROVAL: the new member requests to join
    invite = await invites.consume(code, user)
    if invite.role and Role(invite.role).at_least(Role(user.role)) and invite.role != user.role:
        user.role = Role(invite.role)
        await User.filter(id=user.id).update(role=user.role)
    await invites.admit_with_invite(user, invite)
