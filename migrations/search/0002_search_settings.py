import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SearchSetting",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("key", fields.CharField(unique=True, max_length=64)),
                (
                    "value",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "search_settings",
                "app": "search",
                "pk_attr": "id",
                "table_description": "Search state kept in the database: admin-edited synonyms, the last push error, and the",
            },
            bases=["Model"],
        ),
    ]
