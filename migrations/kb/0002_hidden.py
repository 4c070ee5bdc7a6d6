from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("kb", "0001_initial"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="Article",
            name="hidden",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Resource",
            name="hidden",
            field=fields.BooleanField(default=False),
        ),
    ]
