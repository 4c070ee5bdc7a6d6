from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("accounts", "0002_user_avatar")]

    initial = True

    operations = [
        ops.CreateModel(
            name="CommunitySetting",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("key", fields.CharField(unique=True, max_length=64)),
                ("value", fields.TextField(unique=False)),
                (
                    "updated_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="updated_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="community_settings",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "community_settings",
                "app": "community",
                "pk_attr": "id",
                "table_description": "One overridden policy setting, stored as the text its environment variable would hold",
            },
            bases=["Model"],
        ),
    ]
