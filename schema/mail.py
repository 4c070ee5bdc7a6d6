"""Mail preferences: which notifications are mailed at once or gathered in the digest, the
digest's rhythm and time zone, and whether bulk mail goes out at all."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.mail import preferences as domain
from api.errors import Unauthenticated
from api.models import mail as models
from schema.accounts import Payload
from schema.context import Info
from schema.enums import described_enum
from schema.permissions import Require, guard

Digest = described_enum(
    models.Digest, name="Digest", description="How often the digest mail comes.",
    values={"NONE": "Never.", "DAILY": "Once a day, at the community's digest hour.",
            "WEEKLY": "Once a week, on Monday at the community's digest hour."},
)
Delivery = described_enum(
    models.Delivery, name="Delivery", description="Where a kind of notification goes besides the app.",
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
        description="Whether digests and notification mail go out at all (false after unsubscribing).")
    bounced: bool = strawberry.field(description="Whether the mail server refused the address for good.")
    kinds: list[KindDelivery] = strawberry.field(description="Each known kind of notification and where it goes.")


def _view(pref: models.MailPreference) -> NotificationPreferences:
    kinds = sorted({*domain.KINDS, *(pref.kinds or {})})
    return NotificationPreferences(
        digest=pref.digest, timezone=pref.timezone, bulk_mail=pref.unsubscribed_at is None,
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
        default=None, description="An IANA time zone (e.g. Asia/Shanghai), or empty for the community's.")
    kinds: list[KindDeliveryInput] | None = strawberry.field(
        default=None, description="Kinds to change; the others stay.")
    bulk_mail: bool | None = strawberry.field(
        default=None, description="False unsubscribes from every digest and notification mail; true resumes.")


@strawberry.type(description="Result of `setNotificationPreferences`.")
class SetNotificationPreferencesPayload(Payload):
    preferences: NotificationPreferences | None = strawberry.field(default=None, description="As now.")


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
    @strawberry.mutation(description="Change the viewer's mail preferences.")
    @guard(Require.SIGNED_IN)
    async def set_notification_preferences(
        self, info: Info,
        input: Annotated[SetNotificationPreferencesInput, strawberry.argument(description="What to change.")],
    ) -> SetNotificationPreferencesPayload:
        kinds = {k.kind: k.delivery for k in input.kinds} if input.kinds is not None else None
        pref = await domain.set_preferences(info.context.viewer, domain.PreferencesInput(
            digest=input.digest, timezone=input.timezone, kinds=kinds, bulk_mail=input.bulk_mail,
        ), settings=info.context.settings)
        return SetNotificationPreferencesPayload(preferences=_view(pref))
