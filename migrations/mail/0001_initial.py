import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.mail import Digest


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
    ]

    initial = True

    operations = [
        ops.CreateModel(
            name="MailOutbox",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("user_id", fields.BigIntField(null=True, db_index=True)),
                ("to_address", fields.CharField(max_length=254)),
                ("template", fields.CharField(max_length=64)),
                (
                    "context",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("locale", fields.CharField(default="", max_length=16)),
                ("bulk", fields.BooleanField(default=False)),
                ("message_id", fields.CharField(max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("claimed_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("claimed_by", fields.CharField(default="", max_length=36)),
                ("gave_up_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "mail_outbox",
                "app": "mail",
                "indexes": [Index(fields=["next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "A message to send, written in the same transaction as the change that causes it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MailPreference",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.OneToOneField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mail_preference",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "digest",
                    fields.CharEnumField(
                        default=Digest.WEEKLY,
                        description="NONE: NONE\nDAILY: DAILY\nWEEKLY: WEEKLY",
                        enum_type=Digest,
                        max_length=8,
                    ),
                ),
                (
                    "kinds",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("timezone", fields.CharField(default="", max_length=64)),
                ("unsubscribed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("bounced_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("digest_period", fields.CharField(default="", max_length=16)),
                ("digest_after_id", fields.BigIntField(default=0)),
            ],
            options={
                "table": "mail_preferences",
                "app": "mail",
                "pk_attr": "id",
                "table_description": "One member's mail settings. Absent row: the defaults (see `api.domain.mail.preferences`).",
            },
            bases=["Model"],
        ),
    ]
