from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="PersistedOperation",
            fields=[
                ("id", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ("sha256", fields.CharField(db_index=True, max_length=64)),
                ("name", fields.CharField(null=True, max_length=200)),
                ("operation_type", fields.CharField(max_length=16)),
                ("body", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "persisted_operations",
                "app": "persisted",
                "pk_attr": "id",
                "table_description": "A GraphQL document clients may run by its id (with PERSISTED_QUERIES_ONLY, the only ones",
            },
            bases=["Model"],
        ),
    ]
