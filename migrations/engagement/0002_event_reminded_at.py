from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_email_tokens_verified_locale"),
        ("engagement", "0001_initial"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="reminded_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
