"""Accounts: members, the viewer, sign-up and sign-in, roles, notifications."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.permission import PermissionExtension

from api.domain import accounts as domain
from api.domain import notifications as notifications_domain
from api.models import accounts as models
from api.models.notifications import Notification as NotificationModel
from api.policy import can_view
from schema.context import Info
from schema.enums import described_enum
from schema.errors import UserError
from schema.live import events, require_viewer
from schema.permissions import IsSelfOrAdmin, IsStaff, Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, parse_id

if TYPE_CHECKING:
    from schema.engagement.types import Title
    from schema.growth.tiers import Tier
    from schema.media import MediaFile
    from schema.moderation.sanctions import MemberModeration

Role = models.Role
described_enum(
    Role,
    name="Role",
    description="Community roles, from least to most rights.",
    values={
        "MEMBER": "A signed-up member: reads, posts and votes.",
        "MODERATOR": "A member who also moderates content and members.",
        "ADMIN": "A moderator who also manages roles and community settings.",
    },
)
UserStatus = models.UserStatus
described_enum(
    UserStatus,
    name="UserStatus",
    description="Lifecycle stage: from days without activity (LIFECYCLE_AT_RISK_DAYS, LIFECYCLE_INACTIVE_DAYS); "
    "ACTIVE again on the member's next visit. Nothing is deleted at any stage.",
    values={
        "ACTIVE": "Active within LIFECYCLE_AT_RISK_DAYS, or back since.",
        "AT_RISK": "No activity for LIFECYCLE_AT_RISK_DAYS community days (reminded).",
        "INACTIVE": "No activity for LIFECYCLE_INACTIVE_DAYS community days, or marked so by staff after review.",
    },
)


@strawberry.type(description="A member of the community.")
class User(ModelNode):
    model = models.User

    id: relay.NodeID[int]
    username: str = strawberry.field(description="Unique handle (case-insensitive), used in @mentions.")
    display_name: str = strawberry.field(description="Name shown beside the member's content.")
    bio: str = strawberry.field(description="Free text the member wrote about themself.")
    interest_tags: list[str] = strawberry.field(description="Topics the member is interested in.")
    role: Role = strawberry.field(description="The member's community role.")
    status: UserStatus = strawberry.field(description="Lifecycle stage: ACTIVE, AT_RISK or INACTIVE.")
    created_at: datetime = strawberry.field(description="When the member joined.")
    last_seen_at: datetime | None = strawberry.field(description="When the member was last active (5 min granularity).")
    last_active_day: date | None = strawberry.field(
        description="Community day of the member's latest activity (any request); null if never seen since it existed."
    )
    trust_level: int = strawberry.field(
        description='Trust level 0 (new) to 4 (leader), earned from activity; see README "Trust levels".'
    )

    @strawberry.field(
        description="Whether staff locked the trust level against automatic changes (staff only; null for others).",
        extensions=[PermissionExtension(permissions=[IsStaff()], fail_silently=True)],
    )
    @staticmethod
    def trust_level_locked(root: strawberry.Parent[models.User]) -> bool | None:
        return root.trust_level_locked

    @strawberry.field(
        description="Email address; only the member and admins see it.",
        extensions=[PermissionExtension(permissions=[IsSelfOrAdmin()], fail_silently=True)],
    )
    @staticmethod
    def email(root: strawberry.Parent[models.User]) -> str | None:
        return root.email

    @strawberry.field(
        description="Whether the member confirmed their email address by a mailed link; only the member and admins "
        "see it.",
        extensions=[PermissionExtension(permissions=[IsSelfOrAdmin()], fail_silently=True)],
    )
    @staticmethod
    def email_verified(root: strawberry.Parent[models.User]) -> bool | None:
        return root.email_verified_at is not None

    @strawberry.field(
        description="Language of mail to the member (en, zh-CN); empty: the community's default. Only the member "
        "and admins see it.",
        extensions=[PermissionExtension(permissions=[IsSelfOrAdmin()], fail_silently=True)],
    )
    @staticmethod
    def locale(root: strawberry.Parent[models.User]) -> str | None:
        return root.locale

    @strawberry.field(description="The member's profile picture (with its variant URLs), if any.")
    @staticmethod
    async def avatar(
        root: strawberry.Parent[models.User], info: Info
    ) -> Annotated[MediaFile, strawberry.lazy("schema.media")] | None:
        if root.avatar_id is None:
            return None
        from api.models.media import MediaFile as MediaFileModel

        return await info.context.loaders.by_id(MediaFileModel).load(root.avatar_id)

    @strawberry.field(description="The member's tier (会员等级), with its flair; null without one.")
    def tier(self, info: Info) -> Annotated[Tier, strawberry.lazy("schema.growth.tiers")] | None:
        from schema.growth.tiers import tier_of_user

        return tier_of_user(info, self.id)

    @strawberry.field(description="The title (头衔) the member chose to show beside their name, if any.")
    @staticmethod
    async def title(
        root: strawberry.Parent[models.User], info: Info
    ) -> Annotated[Title, strawberry.lazy("schema.engagement.types")] | None:
        from api.domain.engagement.titles import load_displayed_titles

        return await info.context.loaders.custom("engagement.displayed_title", load_displayed_titles).load(root.id)

    @strawberry.field(description="The member's warnings, mutes and bans: moderators only (null for others).")
    def moderation(
        self, info: Info
    ) -> Annotated[MemberModeration, strawberry.lazy("schema.moderation.sanctions")] | None:
        from api.policies import is_staff
        from schema.moderation.sanctions import MemberModeration

        return MemberModeration(member=self) if is_staff(info.context.viewer) else None


@strawberry.type(description="Something that happened which concerns the viewer.")
class Notification(ModelNode):
    model = NotificationModel

    id: relay.NodeID[int]
    kind: str = strawberry.field(description="Dotted kind, e.g. `forum.reply` or `forum.mention`.")
    subject_type: str = strawberry.field(description="GraphQL type of the object concerned.")
    message: str = strawberry.field(description="Short human-readable text.")
    created_at: datetime = strawberry.field(description="When it happened.")
    read_at: datetime | None = strawberry.field(description="When the viewer marked it read.")

    @strawberry.field(description="Global id of the object concerned, if any.")
    @staticmethod
    def subject_id(root: strawberry.Parent[NotificationModel]) -> strawberry.ID | None:
        if not root.subject_type or root.subject_id is None:
            return None
        return strawberry.ID(str(relay.GlobalID(root.subject_type, str(root.subject_id))))

    @strawberry.field(description="The member who caused it, if any.")
    @staticmethod
    async def actor(root: strawberry.Parent[NotificationModel], info: Info) -> User | None:
        if root.actor_id is None:
            return None
        return await info.context.loaders.by_id(models.User).load(root.actor_id)


@strawberry.type(description="The signed-in member and what concerns only them.")
class Viewer:
    user: User = strawberry.field(description="The signed-in member.")

    @strawberry.field(description="The viewer's notifications, newest first.")
    async def notifications(
        self,
        info: Info,
        unread_only: Annotated[bool, strawberry.argument(description="Only the unread ones.")] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Notification]:
        query = NotificationModel.filter(user_id=self.user.id).order_by("-created_at", "-id")
        if unread_only:
            query = query.filter(read_at__isnull=True)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="How many of the viewer's notifications are unread.")
    async def unread_notification_count(self) -> int:
        return await notifications_domain.unread_count(self.user.id)


@strawberry.type(description="Base of every mutation payload.")
class Payload:
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures; empty when the mutation succeeded."
    )


@strawberry.input(description="A new member account.")
class RegisterInput:
    username: str = strawberry.field(
        description=(
            "2-32 letters (any script), digits, `_`, `-`, `.`; stored NFKC-normalised, and refused when "
            "it looks like an existing member's (Unicode confusables)."
        )
    )
    email: str = strawberry.field(description="Email address, unique.")
    password: str = strawberry.field(description="At least MIN_PASSWORD_LENGTH characters, not common.")
    display_name: str | None = strawberry.field(
        default=None,
        description=("Shown name; defaults to the username. Bidi controls and invisible characters are removed."),
    )
    invite_code: str | None = strawberry.field(
        default=None, description="Invitation code, needed when the community admits members by invitation."
    )


@strawberry.type(description="Result of `register`.")
class RegisterPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The new member.")
    token: str | None = strawberry.field(default=None, description="A bearer token, signed in at once.")


@strawberry.input(description="Credentials.")
class LoginInput:
    login: str = strawberry.field(description="Username or email.")
    password: str = strawberry.field(description="The password.")


@strawberry.type(description="Result of `login`.")
class LoginPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The signed-in member.")
    token: str | None = strawberry.field(
        default=None, description="Send as `Authorization: Bearer <token>`; expires after TOKEN_TTL_HOURS."
    )


@strawberry.input(description="Sign out (revoke the token of this request).")
class LogoutInput:
    all_sessions: bool = strawberry.field(default=False, description="Revoke every token of the member.")


@strawberry.type(description="Result of `logout`.")
class LogoutPayload(Payload):
    revoked: int = strawberry.field(default=0, description="How many tokens were revoked.")


@strawberry.input(description="A new password.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="The new password.")


@strawberry.type(description="Result of `changePassword`; other sessions are signed out.")
class ChangePasswordPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The member.")


@strawberry.input(description="Profile fields to change; omitted fields stay.")
class UpdateProfileInput:
    display_name: str | None = strawberry.field(default=None, description="Shown name.")
    bio: str | None = strawberry.field(default=None, description="About text, at most 2000 characters.")
    interest_tags: list[str] | None = strawberry.field(default=None, description="At most 20 tags.")
    locale: str | None = strawberry.field(
        default=None, description="Language of mail to the member: en or zh-CN; empty for the community's default."
    )


@strawberry.type(description="Result of `updateProfile`.")
class UpdateProfilePayload(Payload):
    user: User | None = strawberry.field(default=None, description="The updated member.")


@strawberry.input(description="Give a member another role.")
class SetUserRoleInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")
    role: Role = strawberry.field(description="The new role.")


@strawberry.type(description="Result of `setUserRole`.")
class SetUserRolePayload(Payload):
    user: User | None = strawberry.field(default=None, description="The member with the new role.")


@strawberry.input(description="Notifications to mark read.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Global ids; omit to mark all read.")


@strawberry.type(description="Result of `markNotificationsRead`.")
class MarkNotificationsReadPayload(Payload):
    marked: int = strawberry.field(default=0, description="How many were marked.")
    unread_count: int = strawberry.field(default=0, description="Unread notifications left.")


def _client_of(info: Info) -> tuple[str, str]:
    request = info.context.request
    agent = request.headers.get("user-agent", "") if request is not None else ""
    return info.context.client, agent


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in member, or null when anonymous.")
    def viewer(self, info: Info) -> Viewer | None:
        user = info.context.viewer
        return Viewer(user=user) if user else None

    @strawberry.field(description="A member by username (case-insensitive).")
    async def user(
        self, username: Annotated[str, strawberry.argument(description="The username, in any case.")]
    ) -> User | None:
        return await models.User.filter(username_key=domain.username_key(username)).first()

    @strawberry.field(description="Members, newest first, optionally filtered by role.")
    async def users(
        self,
        info: Info,
        role: Annotated[Role | None, strawberry.argument(description="Only members with this role.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        query = models.User.all().order_by("-created_at", "-id")
        if role is not None:
            query = query.filter(role=role)
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a member account and sign in.")
    @guard(Require.ANYONE)
    async def register(
        self,
        info: Info,
        input: Annotated[RegisterInput, strawberry.argument(description="The new account.")],
    ) -> RegisterPayload:
        settings = info.context.settings
        user = await domain.register(
            domain.RegistrationInput(
                username=input.username,
                email=input.email,
                password=input.password,
                display_name=input.display_name or input.username,
            ),
            settings=settings,
            invite_code=input.invite_code,
            sign_up=True,
        )
        client, agent = _client_of(info)
        token = await domain.issue_token(user, settings, agent, client)
        info.context.viewer = user  # signed in at once: the payload is read as the new member
        return RegisterPayload(user=user, token=token)

    @strawberry.mutation(description="Exchange credentials for a bearer token. Failures are rate limited.")
    @guard(Require.ANYONE, rate_limited=False)
    async def login(
        self,
        info: Info,
        input: Annotated[LoginInput, strawberry.argument(description="The credentials.")],
    ) -> LoginPayload:
        client, agent = _client_of(info)
        user, token = await domain.login(
            input.login,
            input.password,
            info.context.settings,
            info.context.limiter,
            client=client,
            user_agent=agent,
        )
        info.context.viewer = user
        return LoginPayload(user=user, token=token)

    @strawberry.mutation(description="Revoke the token of this request (or all of the member's tokens).")
    @guard(Require.SIGNED_IN)
    async def logout(
        self,
        info: Info,
        input: Annotated[LogoutInput, strawberry.argument(description="Which sessions to end.")],
    ) -> LogoutPayload:
        ctx = info.context
        if input.all_sessions:
            return LogoutPayload(revoked=await domain.revoke_all_tokens(ctx.member.id))
        await domain.logout(ctx.token)
        return LogoutPayload(revoked=1)

    @strawberry.mutation(description="Change the password; every other session is signed out.")
    @guard(Require.SIGNED_IN)
    async def change_password(
        self,
        info: Info,
        input: Annotated[ChangePasswordInput, strawberry.argument(description="The current and the new password.")],
    ) -> ChangePasswordPayload:
        ctx = info.context
        user = await domain.change_password(
            ctx.viewer,
            input.current_password,
            input.new_password,
            settings=ctx.settings,
            keep_token_id=ctx.token.id if ctx.token else None,
        )
        return ChangePasswordPayload(user=user)

    @strawberry.mutation(description="Change the viewer's profile.")
    @guard(Require.MEMBER)
    async def update_profile(
        self,
        info: Info,
        input: Annotated[UpdateProfileInput, strawberry.argument(description="The profile fields to change.")],
    ) -> UpdateProfilePayload:
        user = await domain.update_profile(
            info.context.viewer,
            domain.ProfileInput(
                display_name=input.display_name,
                bio=input.bio,
                interest_tags=input.interest_tags,
                locale=input.locale,
            ),
            settings=info.context.settings,
        )
        return UpdateProfilePayload(user=user)

    @strawberry.mutation(description="Give a member another role (admins only).")
    @guard(Require.ADMIN)
    async def set_user_role(
        self,
        info: Info,
        input: Annotated[SetUserRoleInput, strawberry.argument(description="The member and their new role.")],
    ) -> SetUserRolePayload:
        user = await domain.set_role(
            info.context.viewer, parse_id(input.user_id, "User", "userId"), models.Role(input.role)
        )
        return SetUserRolePayload(user=user)

    @strawberry.mutation(description="Mark some or all of the viewer's notifications read.")
    @guard(Require.SIGNED_IN)
    async def mark_notifications_read(
        self,
        info: Info,
        input: Annotated[
            MarkNotificationsReadInput, strawberry.argument(description="Which notifications to mark read.")
        ],
    ) -> MarkNotificationsReadPayload:
        viewer = info.context.member
        ids = None if input.ids is None else [parse_id(i, "Notification", "ids") for i in input.ids]
        marked = await notifications_domain.mark_read(viewer.id, ids)
        return MarkNotificationsReadPayload(
            marked=marked, unread_count=await notifications_domain.unread_count(viewer.id)
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Notifications of the signed-in viewer as they arrive.")
    async def notification_added(self, info: Info) -> AsyncGenerator[Notification, None]:
        viewer = require_viewer(info)
        async for message in events(info, notifications_domain.channel_for(viewer.id)):
            notification = await NotificationModel.filter(id=message["id"]).first()
            if notification is not None and await can_view(info.context.viewer, notification, info.context.memo):
                yield notification  # type: ignore[misc]  # a Tortoise row stands for its ModelNode type
