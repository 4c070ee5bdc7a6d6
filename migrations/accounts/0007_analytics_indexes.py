from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0006_member_last_active_day"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="MemberActivity",
            index=Index(fields=["day", "user_id"]),
        ),
        ops.AlterField(
            model_name="User",
            name="created_at",
            field=fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
        ),
    ]
