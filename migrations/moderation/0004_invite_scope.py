from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("moderation", "0003_log_content_restored"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="Invite",
            name="admits_to_community",
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name="SpaceJoinPolicy",
            name="members_may_invite",
            field=fields.BooleanField(default=False),
        ),
    ]
