from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from api.models.engagement import BadgeCriterion


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0006_event_tier_visibility"),
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0005_email_tokens_verified_locale"),
        ("accounts", "0006_member_last_active_day"),
        ("accounts", "0007_analytics_indexes"),
        ("engagement", "0005_fair_lotteries_event_visibility_recurrence_moderation"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.CreateModel(
            name="EventCount",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="event_counts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("event_name", fields.CharField(max_length=64)),
                ("count", fields.IntField(default=0)),
            ],
            options={
                "table": "engagement_event_counts",
                "app": "engagement",
                "unique_together": (("user", "event_name"),),
                "pk_attr": "id",
                "table_description": "How many times a member caused a domain event that some EVENT badge counts (counted from",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Badge",
            name="criterion",
            field=fields.CharEnumField(
                default=BadgeCriterion.MANUAL,
                description="MANUAL: MANUAL\nPOSTS: POSTS\nANSWERS: ANSWERS\nACCEPTED_ANSWERS: ACCEPTED_ANSWERS\nREACTIONS_RECEIVED: REACTIONS_RECEIVED\nCHECK_IN_STREAK: CHECK_IN_STREAK\nEVENTS_ATTENDED: EVENTS_ATTENDED\nEVENT: EVENT",
                enum_type=BadgeCriterion,
                max_length=32,
            ),
        ),
        ops.AddField(
            model_name="Badge",
            name="event_name",
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
