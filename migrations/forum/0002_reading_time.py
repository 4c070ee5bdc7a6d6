from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("accounts", "0002_user_avatar"), ("forum", "0001_initial")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ReadState",
            name="seconds_read",
            field=fields.IntField(default=0),
        ),
    ]
