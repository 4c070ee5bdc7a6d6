"""Admission: join policies, join requests, invites and referrals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.moderation import admission as domain
from api.domain.moderation import invites as invites_domain
from api.models import moderation as models
from api.models.accounts import Role as RoleModel
from api.policies import is_staff, require_member
from schema.accounts import Payload, Role, User
from schema.context import Info
from schema.moderation.enums import JoinPolicy, JoinRequestStatus
from schema.moderation.related import global_id, user_of
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, decode_global_id, paginate, parse_id


def _space(value: relay.GlobalID | strawberry.ID | None, field: str = "spaceId") -> int | None:
    return None if value is None else parse_id(value, "Space", field)


@strawberry.type(description="A member's request to join the community or a space.")
class JoinRequest(ModelNode):
    model = models.JoinRequest

    id: relay.NodeID[int]
    message: str = strawberry.field(description="What the applicant wrote.")
    status: JoinRequestStatus = strawberry.field(description="Pending, approved or rejected.")
    decision_reason: str = strawberry.field(description="The moderator's reason, shown to the applicant.")
    created_at: datetime = strawberry.field(description="When it was made.")
    decided_at: datetime | None = strawberry.field(description="When a moderator decided.")

    @strawberry.field(description="Global id of the space asked for; null for the community.")
    @staticmethod
    def space_id(root: strawberry.Parent[models.JoinRequest]) -> strawberry.ID | None:
        return global_id("Space", root.space_id)

    @strawberry.field(description="Who asked.")
    @staticmethod
    async def applicant(root: strawberry.Parent[models.JoinRequest], info: Info) -> User | None:
        return await user_of(info, root.user_id)

    @strawberry.field(description="The moderator who decided (staff only).")
    @staticmethod
    async def decided_by(root: strawberry.Parent[models.JoinRequest], info: Info) -> User | None:
        if not is_staff(info.context.viewer):
            return None
        return await user_of(info, root.decided_by_id)


@strawberry.type(description="An invite code's record (the code itself is shown only once, on creation).")
class Invite(ModelNode):
    model = models.Invite

    id: relay.NodeID[int]
    code_hint: str = strawberry.field(description="The first characters of the code, to recognise it.")
    role: str | None = strawberry.field(description="Role granted on registration (MODERATOR or ADMIN), if any.")
    max_uses: int = strawberry.field(description="How many people it may admit.")
    uses: int = strawberry.field(description="How many it has admitted.")
    expires_at: datetime = strawberry.field(description="When it stops working.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if it was.")
    created_at: datetime = strawberry.field(description="When it was created.")
    admits_to_community: bool = strawberry.field(description="Whether it admits to the community.")

    @strawberry.field(description="Global id of the space it admits to, if any.")
    @staticmethod
    def space_id(root: strawberry.Parent[models.Invite]) -> strawberry.ID | None:
        return global_id("Space", root.space_id)

    @strawberry.field(description="Whether it can still be used.")
    @staticmethod
    def usable(root: strawberry.Parent[models.Invite]) -> bool:
        from api.timeutil import now

        return root.revoked_at is None and root.uses < root.max_uses and root.expires_at > now()

    @strawberry.field(description="Who created it.")
    @staticmethod
    async def created_by(root: strawberry.Parent[models.Invite], info: Info) -> User | None:
        return await user_of(info, root.created_by_id)


@strawberry.type(description="Who invited whom.")
class Referral(ModelNode):
    model = models.Referral

    id: relay.NodeID[int]
    created_at: datetime = strawberry.field(description="When the invitee used the invite.")

    @strawberry.field(description="The member who invited.")
    @staticmethod
    async def inviter(root: strawberry.Parent[models.Referral], info: Info) -> User | None:
        return await user_of(info, root.inviter_id)

    @strawberry.field(description="The member who came in.")
    @staticmethod
    async def invitee(root: strawberry.Parent[models.Referral], info: Info) -> User | None:
        return await user_of(info, root.invitee_id)


@strawberry.input(description="Ask to join the community, or a space whose policy is APPROVAL.")
class RequestToJoinInput:
    space_id: strawberry.ID | None = strawberry.field(default=None, description="The space; omit for the community.")
    message: str = strawberry.field(default="", description="A few words for the moderators.")


@strawberry.type(description="Result of `requestToJoin`.")
class RequestToJoinPayload(Payload):
    request: JoinRequest | None = strawberry.field(default=None, description="The pending request.")


@strawberry.input(description="Approve a pending join request.")
class ApproveJoinRequestInput:
    request_id: strawberry.ID = strawberry.field(description="Global id of the JoinRequest.")
    reason: str = strawberry.field(default="", description="An optional word for the applicant.")


@strawberry.input(description="Decline a pending join request.")
class RejectJoinRequestInput:
    request_id: strawberry.ID = strawberry.field(description="Global id of the JoinRequest.")
    reason: str = strawberry.field(description="Why; the applicant sees it.")


@strawberry.type(description="Result of `approveJoinRequest` and `rejectJoinRequest`.")
class DecideJoinRequestPayload(Payload):
    request: JoinRequest | None = strawberry.field(default=None, description="The decided request.")


@strawberry.input(description="Override the join policy of a space.")
class SetSpaceJoinPolicyInput:
    space_id: strawberry.ID = strawberry.field(description="Global id of the Space.")
    policy: JoinPolicy | None = strawberry.field(
        default=None, description="The space's policy; null to follow the community's."
    )
    members_may_invite: bool = strawberry.field(
        default=False, description="Whether members may invite people into the space when it is not OPEN."
    )


@strawberry.type(description="Result of `setSpaceJoinPolicy`.")
class SetSpaceJoinPolicyPayload(Payload):
    policy: JoinPolicy | None = strawberry.field(default=None, description="The space's policy now in effect.")


@strawberry.input(description="A new invite code.")
class CreateInviteInput:
    max_uses: int = strawberry.field(description="How many people it may admit (1 to MODERATION_MAX_INVITE_USES).")
    expires_at: datetime = strawberry.field(description="When it stops working (within a year).")
    role: Role | None = strawberry.field(default=None, description="A role granted on registration (admins only).")
    space_id: strawberry.ID | None = strawberry.field(
        default=None, description="A space it admits to (members: only OPEN spaces or those allowing member invites)."
    )
    admits_to_community: bool | None = strawberry.field(
        default=None,
        description="Whether a space's invite also admits to the community (staff only; community invites always do).",
    )


@strawberry.type(description="Result of `createInvite`.")
class CreateInvitePayload(Payload):
    invite: Invite | None = strawberry.field(default=None, description="The invite's record.")
    code: str | None = strawberry.field(default=None, description="The code to hand out; shown only now.")


@strawberry.input(description="Revoke an invite.")
class RevokeInviteInput:
    invite_id: strawberry.ID = strawberry.field(description="Global id of the Invite.")


@strawberry.type(description="Result of `revokeInvite`.")
class RevokeInvitePayload(Payload):
    invite: Invite | None = strawberry.field(default=None, description="The revoked invite.")


@strawberry.input(description="Use an invite code as an existing member (e.g. for an invite-only space).")
class RedeemInviteInput:
    code: str = strawberry.field(description="The invite code.")


@strawberry.type(description="Result of `redeemInvite`.")
class RedeemInvitePayload(Payload):
    invite: Invite | None = strawberry.field(default=None, description="The invite used.")


@strawberry.type
class Query:
    @strawberry.field(description="The join policy in effect for the community, or for a space.")
    async def join_policy(
        self,
        info: Info,
        space_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Global id of a Space; omit for the community.")
        ] = None,
    ) -> JoinPolicy:
        return await domain.policy_for(
            None if space_id is None else decode_global_id(space_id, "Space")[1], settings=info.context.settings
        )

    @strawberry.field(description="Join requests: moderators see everyone's, members their own; newest first.")
    async def join_requests(
        self,
        info: Info,
        status: Annotated[
            JoinRequestStatus | None, strawberry.argument(description="Only requests in this state.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[JoinRequest]:
        viewer = require_member(info.context.viewer)
        query = models.JoinRequest.all().order_by("-created_at", "-id")
        if not is_staff(viewer):
            query = query.filter(user_id=viewer.id)
        if status is not None:
            query = query.filter(status=status)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Invites: the viewer's own, or everyone's for staff with `all`.")
    async def invites(
        self,
        info: Info,
        all: Annotated[bool, strawberry.argument(description="Staff: list every member's invites.")] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Invite]:
        viewer = require_member(info.context.viewer)
        query = invites_domain.invites_of(viewer, everyone=all)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Who invited whom: staff see all, members what concerns them.")
    async def referrals(
        self,
        info: Info,
        inviter_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this inviter's.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Referral]:
        viewer = require_member(info.context.viewer)
        inviter = None if inviter_id is None else decode_global_id(inviter_id, "User")[1]
        query = invites_domain.referrals_visible_to(viewer, inviter)
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Ask to join the community, or a space, when its policy is APPROVAL.")
    @guard(Require.MEMBER)
    async def request_to_join(
        self,
        info: Info,
        input: Annotated[RequestToJoinInput, strawberry.argument(description="Where to join and a message.")],
    ) -> RequestToJoinPayload:
        request = await domain.request_to_join(
            info.context.viewer, _space(input.space_id), input.message, settings=info.context.settings
        )
        return RequestToJoinPayload(request=request)

    @strawberry.mutation(description="Approve a join request (moderators).")
    @guard(Require.MODERATOR)
    async def approve_join_request(
        self,
        info: Info,
        input: Annotated[ApproveJoinRequestInput, strawberry.argument(description="The request to approve.")],
    ) -> DecideJoinRequestPayload:
        request = await domain.approve_join_request(
            info.context.viewer,
            parse_id(input.request_id, "JoinRequest", "requestId"),
            input.reason,
            settings=info.context.settings,
        )
        return DecideJoinRequestPayload(request=request)

    @strawberry.mutation(description="Decline a join request with a reason the applicant sees (moderators).")
    @guard(Require.MODERATOR)
    async def reject_join_request(
        self,
        info: Info,
        input: Annotated[RejectJoinRequestInput, strawberry.argument(description="The request to decline and why.")],
    ) -> DecideJoinRequestPayload:
        request = await domain.reject_join_request(
            info.context.viewer,
            parse_id(input.request_id, "JoinRequest", "requestId"),
            input.reason,
            settings=info.context.settings,
        )
        return DecideJoinRequestPayload(request=request)

    @strawberry.mutation(description="Override (or reset) the join policy of a space (admins).")
    @guard(Require.ADMIN)
    async def set_space_join_policy(
        self,
        info: Info,
        input: Annotated[SetSpaceJoinPolicyInput, strawberry.argument(description="The space and its policy.")],
    ) -> SetSpaceJoinPolicyPayload:
        policy = None if input.policy is None else models.JoinPolicy(input.policy)
        effective = await domain.set_space_policy(
            info.context.viewer,
            parse_id(input.space_id, "Space", "spaceId"),
            policy,
            members_may_invite=input.members_may_invite,
            settings=info.context.settings,
        )
        return SetSpaceJoinPolicyPayload(policy=effective)

    @strawberry.mutation(description="Create an invite code; the code is returned only in this payload.")
    @guard(Require.MEMBER)
    async def create_invite(
        self,
        info: Info,
        input: Annotated[
            CreateInviteInput, strawberry.argument(description="Uses, expiry and what the invite grants.")
        ],
    ) -> CreateInvitePayload:
        invite, code = await invites_domain.create_invite(
            info.context.viewer,
            max_uses=input.max_uses,
            expires_at=input.expires_at,
            role=None if input.role is None else RoleModel(input.role).value,
            space_id=_space(input.space_id),
            admits_to_community=input.admits_to_community,
            settings=info.context.settings,
        )
        return CreateInvitePayload(invite=invite, code=code)

    @strawberry.mutation(description="Revoke one of the viewer's invites (staff: anyone's).")
    @guard(Require.MEMBER)
    async def revoke_invite(
        self,
        info: Info,
        input: Annotated[RevokeInviteInput, strawberry.argument(description="The invite to revoke.")],
    ) -> RevokeInvitePayload:
        invite_id = parse_id(input.invite_id, "Invite", "inviteId")
        invite = await invites_domain.revoke_invite(info.context.viewer, invite_id)
        return RevokeInvitePayload(invite=invite)

    @strawberry.mutation(description="Use an invite code as a member: admits to the community and its space.")
    @guard(Require.MEMBER)
    async def redeem_invite(
        self,
        info: Info,
        input: Annotated[RedeemInviteInput, strawberry.argument(description="The invite code.")],
    ) -> RedeemInvitePayload:
        return RedeemInvitePayload(invite=await invites_domain.redeem_invite(info.context.viewer, input.code))
