from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0005_email_tokens_verified_locale"),
        ("moderation", "0007_log_spammer_removed"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="Announcement",
            name="mail_audience",
            field=fields.BooleanField(default=False),
        ),
    ]
