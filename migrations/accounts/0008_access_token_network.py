from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_analytics_indexes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="AccessToken",
            name="network",
            field=fields.CharField(default="", max_length=32),
        ),
    ]
