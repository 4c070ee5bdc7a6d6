from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from api.models.governance import Electorate


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0005_email_tokens_verified_locale"),
        ("accounts", "0006_member_last_active_day"),
        ("accounts", "0007_analytics_indexes"),
        ("forum", "0003_space_subscriptions"),
        ("governance", "0007_survey_audiences"),
    ]

    initial = False

    operations = [
        ops.AlterField(
            model_name="Proposal",
            name="electorate",
            field=fields.CharEnumField(
                default=Electorate.COMMITTEE,
                description="COMMITTEE: COMMITTEE\nMEMBERS: MEMBERS\nROLES: ROLES\nTRUST_LEVEL: TRUST_LEVEL\nTIER: TIER",
                enum_type=Electorate,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Proposal",
            name="electorate_min_tier_id",
            field=fields.IntField(null=True),
        ),
    ]
