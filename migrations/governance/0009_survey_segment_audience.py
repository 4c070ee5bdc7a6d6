from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from api.models.governance import SurveyAudience


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0008_proposal_tier_electorate"),
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
            model_name="Survey",
            name="audience",
            field=fields.CharEnumField(
                default=SurveyAudience.EVERYONE,
                description="EVERYONE: EVERYONE\nCOMMITTEE: COMMITTEE\nROLES: ROLES\nTRUST_LEVEL: TRUST_LEVEL\nSEGMENT: SEGMENT",
                enum_type=SurveyAudience,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Survey",
            name="audience_segment_id",
            field=fields.IntField(null=True),
        ),
    ]
