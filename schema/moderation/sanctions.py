"""Sanctions: moderators warn, mute and ban members, lift sanctions, and read a member's record."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.moderation import sanctions as domain
from api.domain.moderation import spam
from api.errors import Invalid
from api.models import accounts as account_models
from api.models.accounts import Role
from api.policies import active_restrictions, is_staff, require_role, sanction_active
from schema.accounts import Payload, User
from schema.context import Info
from schema.moderation.enums import SanctionKind
from schema.moderation.related import user_of
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, decode_global_id, paginate, parse_id


@strawberry.type(description="A warning, mute or ban given to a member.")
class Sanction(ModelNode):
    model = account_models.Sanction

    id: relay.NodeID[int]
    kind: SanctionKind = strawberry.field(description="Warning, mute or ban.")
    reason: str = strawberry.field(description="Why it was given.")
    created_at: datetime = strawberry.field(description="When it was given.")
    ends_at: datetime | None = strawberry.field(description="When it ends by itself; null: permanent (or a warning).")
    revoked_at: datetime | None = strawberry.field(description="When a moderator lifted it early.")

    @strawberry.field(description="Whether it is in force now.")
    def active(self) -> bool:
        return sanction_active(self)

    @strawberry.field(description="The sanctioned member.")
    @staticmethod
    async def member(root: strawberry.Parent[account_models.Sanction], info: Info) -> User | None:
        return await user_of(info, root.user_id)

    @strawberry.field(description="The moderator who gave it (staff only).")
    @staticmethod
    async def given_by(root: strawberry.Parent[account_models.Sanction], info: Info) -> User | None:
        if not is_staff(info.context.viewer):
            return None
        return await user_of(info, root.created_by_id)


@strawberry.type(description="A member's moderation record (moderators only).")
class MemberModeration:
    member: User = strawberry.field(description="The member.")

    async def _list(
        self,
        info: Info,
        kind: account_models.SanctionKind,
        first: int | None,
        after: str | None,
        last: int | None,
        before: str | None,
    ) -> Connection[Sanction]:
        query = domain.sanctions_of(self.member.id, kind)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Warnings, newest first.")
    async def warnings(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Sanction]:
        return await self._list(info, account_models.SanctionKind.WARNING, first, after, last, before)

    @strawberry.field(description="Mutes, newest first (active or not).")
    async def mutes(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Sanction]:
        return await self._list(info, account_models.SanctionKind.MUTE, first, after, last, before)

    @strawberry.field(description="Bans, newest first (active or not).")
    async def bans(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Sanction]:
        return await self._list(info, account_models.SanctionKind.BAN, first, after, last, before)

    @strawberry.field(description="The mutes and bans in force now.")
    async def active_restrictions(self) -> list[Sanction]:
        return await active_restrictions(self.member.id)


@strawberry.input(description="Warn, mute or ban a member directly.")
class SanctionMemberInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the User.")
    kind: SanctionKind = strawberry.field(description="WARNING, MUTE or BAN.")
    reason: str = strawberry.field(description="Why; the member is told.")
    duration_hours: int | None = strawberry.field(
        default=None, description="Length of a MUTE (required) or BAN (omit for a permanent ban)."
    )


@strawberry.type(description="Result of `sanctionMember`.")
class SanctionMemberPayload(Payload):
    sanction: Sanction | None = strawberry.field(default=None, description="The sanction given.")


@strawberry.input(description="Lift a sanction before it ends.")
class RevokeSanctionInput:
    sanction_id: strawberry.ID = strawberry.field(description="Global id of the Sanction.")
    reason: str = strawberry.field(description="Why; logged.")


@strawberry.type(description="Result of `revokeSanction`.")
class RevokeSanctionPayload(Payload):
    sanction: Sanction | None = strawberry.field(default=None, description="The lifted sanction.")


@strawberry.type
class Query:
    @strawberry.field(description="A member's warnings, mutes and bans (moderators).")
    async def member_moderation(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the User.")],
    ) -> MemberModeration | None:
        require_role(info.context.viewer, Role.MODERATOR)
        user = await account_models.User.filter(id=decode_global_id(user_id, "User")[1]).first()
        return MemberModeration(member=user) if user else None


@strawberry.input(description="Remove a member as a spammer.")
class RemoveSpammerInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")
    reason: str = strawberry.field(description="Why (kept in the moderation log).")


@strawberry.type(description="What one content type lost to a spammer's removal.")
class RemovedContent:
    content_type: str = strawberry.field(description="The GraphQL type of the content (Topic, Post, Message...).")
    count: int = strawberry.field(description="How many items were deleted.")


@strawberry.type(description="Result of `removeSpammer`.")
class RemoveSpammerPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The member, now banned.")
    deleted: list[RemovedContent] = strawberry.field(default_factory=list, description="What was deleted.")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Remove a spammer in one action (moderators): delete everything the member "
        "wrote, take back the points it earned, ban them for good, log it."
    )
    @guard(Require.MODERATOR)
    async def remove_spammer(
        self,
        info: Info,
        input: Annotated[RemoveSpammerInput, strawberry.argument(description="The member.")],
    ) -> RemoveSpammerPayload:
        removal = await spam.remove_spammer(
            info.context.viewer, parse_id(input.user_id, "User", "userId"), input.reason, settings=info.context.settings
        )
        return RemoveSpammerPayload(
            user=removal.user,
            deleted=[RemovedContent(content_type=t, count=n) for t, n in sorted(removal.deleted.items())],
        )

    @strawberry.mutation(description="Warn, mute (for a time) or ban (for a time or for good) a member (moderators).")
    @guard(Require.MODERATOR)
    async def sanction_member(
        self,
        info: Info,
        input: Annotated[SanctionMemberInput, strawberry.argument(description="The member, the sanction and why.")],
    ) -> SanctionMemberPayload:
        duration = None
        if input.duration_hours is not None:
            if input.duration_hours <= 0:
                raise Invalid("Use a positive number of hours.", field="durationHours")
            duration = timedelta(hours=input.duration_hours)
        sanction = await domain.sanction_member(
            info.context.viewer,
            parse_id(input.user_id, "User", "userId"),
            account_models.SanctionKind(input.kind),
            duration=duration,
            reason=input.reason,
            settings=info.context.settings,
        )
        return SanctionMemberPayload(sanction=sanction)

    @strawberry.mutation(description="Lift a warning, mute or ban early (moderators).")
    @guard(Require.MODERATOR)
    async def revoke_sanction(
        self,
        info: Info,
        input: Annotated[RevokeSanctionInput, strawberry.argument(description="The sanction to lift and why.")],
    ) -> RevokeSanctionPayload:
        sanction = await domain.revoke_sanction(
            info.context.viewer,
            parse_id(input.sanction_id, "Sanction", "sanctionId"),
            input.reason,
            settings=info.context.settings,
        )
        return RevokeSanctionPayload(sanction=sanction)
