from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_username_skeleton"), ("media", "0001_initial")]

    initial = False

    operations = [
        ops.AddField(
            model_name="User",
            name="trust_level",
            field=fields.SmallIntField(default=0),
        ),
        ops.AddField(
            model_name="User",
            name="trust_level_locked",
            field=fields.BooleanField(default=False),
        ),
    ]
