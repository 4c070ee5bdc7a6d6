from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from api.models.accounts import UserStatus


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_email_tokens_verified_locale"),
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="MemberActivity",
            options={
                "table": "member_activity",
                "app": "accounts",
                "unique_together": (("user", "day"),),
                "pk_attr": "id",
                "table_description": "One row per member per community day with any request (read, write or sign-in): the",
            },
        ),
        ops.AlterField(
            model_name="User",
            name="status",
            field=fields.CharEnumField(
                default=UserStatus.ACTIVE,
                description="ACTIVE: ACTIVE\nAT_RISK: AT_RISK\nINACTIVE: INACTIVE",
                enum_type=UserStatus,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="User",
            name="last_active_day",
            field=fields.DateField(null=True, db_index=True),
        ),
        # The lifecycle job measures absence from this day: start it from the activity recorded so far.
        ops.RunSQL(
            "UPDATE users SET last_active_day = "
            "(SELECT MAX(day) FROM member_activity WHERE member_activity.user_id = users.id)"
        ),
    ]
