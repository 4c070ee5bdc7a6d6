from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("search", "0002_search_settings")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SearchKey",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("user_id", fields.BigIntField(db_index=True)),
                ("uid", fields.CharField(unique=True, max_length=36)),
                ("key", fields.CharField(max_length=128)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("deleted", fields.BooleanField(default=False)),
            ],
            options={
                "table": "search_keys",
                "app": "search",
                "pk_attr": "id",
                "table_description": "A Meilisearch API key that signs one member's search tenant tokens (`searchToken`).",
            },
            bases=["Model"],
        ),
    ]
