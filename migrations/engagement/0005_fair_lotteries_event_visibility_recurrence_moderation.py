from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from api.models.engagement import EventVisibility, LotteryStatus


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_analytics_indexes"),
        ("engagement", "0004_event_signup_opens_at"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="committee",
            field=fields.ForeignKeyField(
                "accounts.Committee",
                source_field="committee_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="events",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Event",
            name="deleted_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Event",
            name="held",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Event",
            name="hidden",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Event",
            name="recurrence",
            field=fields.CharField(default="", max_length=200),
        ),
        ops.AddField(
            model_name="Event",
            name="series_id",
            field=fields.IntField(null=True, db_index=True),
        ),
        ops.AddField(
            model_name="Event",
            name="visibility",
            field=fields.CharEnumField(
                default=EventVisibility.PUBLIC,
                description="PUBLIC: PUBLIC\nMEMBERS: MEMBERS\nCOMMITTEE: COMMITTEE",
                enum_type=EventVisibility,
                max_length=16,
            ),
        ),
        ops.AlterField(
            model_name="Lottery",
            name="commitment",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AlterField(
            model_name="Lottery",
            name="seed",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AlterField(
            model_name="Lottery",
            name="status",
            field=fields.CharEnumField(
                default=LotteryStatus.OPEN,
                description="OPEN: OPEN\nFROZEN: FROZEN\nDRAWN: DRAWN\nCANCELLED: CANCELLED",
                enum_type=LotteryStatus,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Lottery",
            name="entrants_hash",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Lottery",
            name="entry_cost",
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name="Lottery",
            name="frozen_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Lottery",
            name="self_entry",
            field=fields.BooleanField(default=False),
        ),
        ops.AlterModelOptions(
            name="LotteryEntrant",
            options={
                "table": "engagement_lottery_entrants",
                "app": "engagement",
                "unique_together": (("lottery", "user"),),
                "pk_attr": "id",
                "table_description": "A member of a hand-made eligible list (added by staff, or entered themselves).",
            },
        ),
        ops.AddField(
            model_name="LotteryEntrant",
            name="paid",
            field=fields.IntField(default=0),
        ),
    ]
