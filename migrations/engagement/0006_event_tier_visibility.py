from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from api.models.engagement import EventVisibility


class Migration(migrations.Migration):
    dependencies = [
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
        ops.AlterField(
            model_name="Event",
            name="visibility",
            field=fields.CharEnumField(
                default=EventVisibility.PUBLIC,
                description="PUBLIC: PUBLIC\nMEMBERS: MEMBERS\nCOMMITTEE: COMMITTEE\nTIER: TIER",
                enum_type=EventVisibility,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Event",
            name="min_tier_id",
            field=fields.IntField(null=True),
        ),
    ]
