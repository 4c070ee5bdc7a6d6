from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0006_member_last_active_day"),
        ("engagement", "0001_initial"),
        ("engagement", "0003_badge_award_revocation"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="signup_opens_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
