"""Account mail (verification, password reset, email change) and mail preferences: which notifications are mailed at once or gathered in the digest, the
digest's rhythm and time zone, and whether bulk mail goes out at all."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.accounts import recovery
from api.domain.mail import preferences as domain
from api.errors import Unauthenticated
from api.models import mail as models
from schema.accounts import Payload, User
from schema.context import Info
from schema.enums import described_enum
from schema.permissions import Require, guard

Digest = models.Digest
described_enum(
    Digest,
    name="Digest",
    description="How often the digest mail comes.",
    values={
        "NONE": "Never.",
        "DAILY": "Once a day, at the community's digest hour.",
        "WEEKLY": "Once a week, on Monday at the community's digest hour.",
    },
)
Delivery = models.Delivery
described_enum(
    Delivery,
    name="Delivery",
    description="Where a kind of notification goes besides the app.",
    values={"IN_APP": "Only in the app.", "EMAIL": "Also mailed at once.", "DIGEST": "Also listed in the digest."},
)


@strawberry.type(description="Where one kind of notification goes.")
class KindDelivery:
    kind: str = strawberry.field(description="The notification kind (as in `Notification.kind`).")
    delivery: Delivery = strawberry.field(description="Where it goes.")


@strawberry.type(description="The viewer's mail preferences.")
class NotificationPreferences:
    digest: Digest = strawberry.field(description="How often the digest comes.")
    timezone: str = strawberry.field(description="Time zone of the digest hour; empty: the community's.")
    bulk_mail: bool = strawberry.field(
        description="Whether digests and notification mail go out at all (false after unsubscribing)."
    )
    bounced: bool = strawberry.field(description="Whether the mail server refused the address for good.")
    kinds: list[KindDelivery] = strawberry.field(description="Each known kind of notification and where it goes.")


def _view(pref: models.MailPreference) -> NotificationPreferences:
    kinds = sorted({*domain.KINDS, *(pref.kinds or {})})
    return NotificationPreferences(
        digest=pref.digest,
        timezone=pref.timezone,
        bulk_mail=pref.unsubscribed_at is None,
        bounced=pref.bounced_at is not None,
        kinds=[KindDelivery(kind=k, delivery=domain.delivery(pref, k)) for k in kinds],
    )


@strawberry.input(description="Where one kind of notification should go.")
class KindDeliveryInput:
    kind: str = strawberry.field(description="The notification kind.")
    delivery: Delivery = strawberry.field(description="Where it should go.")


@strawberry.input(description="Mail preferences to change; omitted fields stay.")
class SetNotificationPreferencesInput:
    digest: Digest | None = strawberry.field(default=None, description="How often the digest comes.")
    timezone: str | None = strawberry.field(
        default=None, description="An IANA time zone (e.g. Asia/Shanghai), or empty for the community's."
    )
    kinds: list[KindDeliveryInput] | None = strawberry.field(
        default=None, description="Kinds to change; the others stay."
    )
    bulk_mail: bool | None = strawberry.field(
        default=None, description="False unsubscribes from every digest and notification mail; true resumes."
    )


@strawberry.type(description="Result of `setNotificationPreferences`.")
class SetNotificationPreferencesPayload(Payload):
    preferences: NotificationPreferences | None = strawberry.field(default=None, description="As now.")


@strawberry.input(description="Ask for a password reset link by mail.")
class RequestPasswordResetInput:
    email: str = strawberry.field(
        description="The account's address. The answer is the same whether or not one has it."
    )


@strawberry.type(description="Result of `requestPasswordReset`: the same whether or not an account has the address.")
class RequestPasswordResetPayload(Payload):
    pass


@strawberry.input(description="A new password, with the token of a reset link.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The `token` of the reset link.")
    new_password: str = strawberry.field(description="At least MIN_PASSWORD_LENGTH characters, not common.")


@strawberry.type(description="Result of `resetPassword`; every session of the member is signed out.")
class ResetPasswordPayload(Payload):
    ok: bool = strawberry.field(default=False, description="Whether the password was set.")


@strawberry.input(description="The token of a verification link.")
class VerifyEmailInput:
    token: str = strawberry.field(description="The `token` of the verification link.")


@strawberry.type(description="Result of `verifyEmail`.")
class VerifyEmailPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The member whose address is now verified.")


@strawberry.input(description="Ask for another verification link.")
class RequestEmailVerificationInput:
    client_mutation_id: str | None = strawberry.field(default=None, description="Echoed back, if given.")


@strawberry.type(description="Result of `requestEmailVerification`.")
class RequestEmailVerificationPayload(Payload):
    client_mutation_id: str | None = strawberry.field(default=None, description="As given.")


@strawberry.input(description="A new address for the viewer's account.")
class ChangeEmailInput:
    new_email: str = strawberry.field(description="The new address; it must be confirmed by a link mailed to it.")
    password: str = strawberry.field(description="The current password.")


@strawberry.type(description="Result of `changeEmail`: a confirmation link went to the new address.")
class ChangeEmailPayload(Payload):
    pass


@strawberry.input(description="The token of an email change link.")
class ConfirmEmailChangeInput:
    token: str = strawberry.field(description="The `token` of the link mailed to the new address.")


@strawberry.type(description="Result of `confirmEmailChange`; the old address is told.")
class ConfirmEmailChangePayload(Payload):
    ok: bool = strawberry.field(default=False, description="Whether the address was changed.")


@strawberry.type
class Query:
    @strawberry.field(description="The viewer's mail preferences (signed-in members only).")
    async def notification_preferences(self, info: Info) -> NotificationPreferences:
        viewer = info.context.viewer
        if viewer is None:
            raise Unauthenticated("Sign in to read your notification preferences.")
        return _view(await domain.preferences_of(viewer.id))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Mail a password reset link to the account with this address, if any; rate limited "
            "(ACCOUNT_MAILS_PER_HOUR per address and per client)."
        )
    )
    @guard(Require.ANYONE)
    async def request_password_reset(
        self,
        info: Info,
        input: Annotated[RequestPasswordResetInput, strawberry.argument(description="The address.")],
    ) -> RequestPasswordResetPayload:
        ctx = info.context
        await recovery.request_password_reset(
            input.email, settings=ctx.settings, limiter=ctx.limiter, client=ctx.client
        )
        return RequestPasswordResetPayload()

    @strawberry.mutation(description="Set a new password with a reset link's token; signs out every session.")
    @guard(Require.ANYONE)
    async def reset_password(
        self,
        info: Info,
        input: Annotated[ResetPasswordInput, strawberry.argument(description="The token and the new password.")],
    ) -> ResetPasswordPayload:
        await recovery.reset_password(input.token, input.new_password, settings=info.context.settings)
        return ResetPasswordPayload(ok=True)

    @strawberry.mutation(description="Confirm the member's address with a verification link's token.")
    @guard(Require.ANYONE)
    async def verify_email(
        self,
        info: Info,
        input: Annotated[VerifyEmailInput, strawberry.argument(description="The token.")],
    ) -> VerifyEmailPayload:
        return VerifyEmailPayload(user=await recovery.verify_email(input.token, settings=info.context.settings))

    @strawberry.mutation(description="Mail the viewer another verification link.")
    @guard(Require.SIGNED_IN)
    async def request_email_verification(
        self,
        info: Info,
        input: Annotated[RequestEmailVerificationInput, strawberry.argument(description="Nothing to give.")],
    ) -> RequestEmailVerificationPayload:
        await recovery.request_email_verification(
            info.context.viewer, settings=info.context.settings, limiter=info.context.limiter
        )
        return RequestEmailVerificationPayload(client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(description="Ask to change the viewer's address: a link goes to the new one to confirm it.")
    @guard(Require.SIGNED_IN)
    async def change_email(
        self,
        info: Info,
        input: Annotated[ChangeEmailInput, strawberry.argument(description="The new address and the password.")],
    ) -> ChangeEmailPayload:
        await recovery.change_email(
            info.context.viewer,
            input.new_email,
            input.password,
            settings=info.context.settings,
            limiter=info.context.limiter,
        )
        return ChangeEmailPayload()

    @strawberry.mutation(description="Confirm a new address with the token mailed to it; the old address is told.")
    @guard(Require.ANYONE)
    async def confirm_email_change(
        self,
        info: Info,
        input: Annotated[ConfirmEmailChangeInput, strawberry.argument(description="The token.")],
    ) -> ConfirmEmailChangePayload:
        await recovery.confirm_email_change(input.token, settings=info.context.settings)
        return ConfirmEmailChangePayload(ok=True)

    @strawberry.mutation(description="Change the viewer's mail preferences.")
    @guard(Require.SIGNED_IN)
    async def set_notification_preferences(
        self,
        info: Info,
        input: Annotated[SetNotificationPreferencesInput, strawberry.argument(description="What to change.")],
    ) -> SetNotificationPreferencesPayload:
        kinds = {k.kind: k.delivery for k in input.kinds} if input.kinds is not None else None
        pref = await domain.set_preferences(
            info.context.viewer,
            domain.PreferencesInput(
                digest=input.digest,
                timezone=input.timezone,
                kinds=kinds,
                bulk_mail=input.bulk_mail,
            ),
            settings=info.context.settings,
        )
        return SetNotificationPreferencesPayload(preferences=_view(pref))
