from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("media", "0001_initial")]

    initial = False

    operations = [
        ops.AddField(
            model_name="User",
            name="avatar",
            field=fields.ForeignKeyField(
                "media.MediaFile",
                source_field="avatar_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="avatar_of",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
