from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from api.models.moderation import Audience


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0005_email_tokens_verified_locale"),
        ("accounts", "0006_member_last_active_day"),
        ("accounts", "0007_analytics_indexes"),
        ("moderation", "0008_announcement_mail_audience"),
    ]

    initial = False

    operations = [
        ops.AlterField(
            model_name="Announcement",
            name="audience",
            field=fields.CharEnumField(
                default=Audience.ALL,
                description="ALL: ALL\nROLE: ROLE\nCOMMITTEE: COMMITTEE\nSEGMENT: SEGMENT",
                enum_type=Audience,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Announcement",
            name="audience_segment_id",
            field=fields.IntField(null=True),
        ),
    ]
