"""The mail outbox and members' mail preferences."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import User


class MailOutbox(Model):
    """A message to send, written in the same transaction as the change that causes it.

    Rows name a template and its context; the worker renders and sends them (rendering then
    lets a bulk message be dropped when its address unsubscribed meanwhile), deletes a row once
    the SMTP server accepted it and keeps a failed one with a back-off. A row that exhausted
    its attempts stays with `gave_up_at` set, for operators."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(null=True, db_index=True)  # the member it is for, if any
    to_address = fields.CharField(max_length=254)
    template = fields.CharField(max_length=64)
    context: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    locale = fields.CharField(max_length=16, default="")
    # Digests, announcements, reminders: carry List-Unsubscribe and are never sent to an address
    # that unsubscribed or bounced.
    bulk = fields.BooleanField(default=False)
    message_id = fields.CharField(max_length=255)  # kept across retries, so receivers can dedupe
    created_at = fields.DatetimeField(auto_now_add=True)
    next_attempt_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    claimed_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=36, default="")
    gave_up_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mail_outbox"
        ordering = ["id"]
        indexes = (("next_attempt_at",),)


class Digest(str, Enum):
    NONE = "NONE"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


class Delivery(str, Enum):
    IN_APP = "IN_APP"  # stored and pushed only
    EMAIL = "EMAIL"  # also mailed at once
    DIGEST = "DIGEST"  # also listed in the next digest


class MailPreference(Model):
    """One member's mail settings. Absent row: the defaults (see `api.domain.mail.preferences`)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "accounts.User", related_name="mail_preference", on_delete=fields.CASCADE
    )
    user_id: int
    digest = fields.CharEnumField(Digest, max_length=8, default=Digest.WEEKLY)
    # notification kind -> Delivery value; kinds not listed take the default
    kinds: fields.JSONField[dict[str, str]] = fields.JSONField(default=dict)
    timezone = fields.CharField(max_length=64, default="")  # "" = the community's
    unsubscribed_at = fields.DatetimeField(null=True)  # no bulk mail at all
    bounced_at = fields.DatetimeField(null=True)  # the server refused the address for good
    # The last digest period sent ("D2026-11-30" / "W2026-48"): claimed by a conditional update.
    digest_period = fields.CharField(max_length=16, default="")
    # Notifications up to this id were listed in a digest (or are older than the member's first).
    digest_after_id = fields.BigIntField(default=0)
    # When the last digest was claimed: announcements published since go in the next one.
    digest_sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mail_preferences"


class InboundReply(Model):
    """A reply by mail taken (posted or sent), by its Message-ID: the same signed mail sent again,
    by the member's server retrying or by anyone who received a copy, is taken once."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="inbound_replies", on_delete=fields.CASCADE
    )
    user_id: int
    message_id = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mail_inbound_replies"
        unique_together = (("user_id", "message_id"),)
