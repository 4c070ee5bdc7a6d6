from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="SearchOutbox",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("kind", fields.CharField(max_length=32)),
                ("object_id", fields.BigIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("claimed_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "search_outbox",
                "app": "search",
                "indexes": [Index(fields=["kind", "object_id"]), Index(fields=["next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "A change to push to Meilisearch, written in the same transaction as the change itself.",
            },
            bases=["Model"],
        ),
    ]
