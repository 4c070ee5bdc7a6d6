from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("media", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Attachment",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "media_file",
                    fields.ForeignKeyField(
                        "media.MediaFile",
                        source_field="media_file_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attachments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("subject_type", fields.CharField(max_length=16)),
                ("subject_id", fields.IntField()),
                ("public", fields.BooleanField()),
            ],
            options={
                "table": "media_attachments",
                "app": "attachments",
                "unique_together": (("media_file", "subject_type", "subject_id"),),
                "indexes": [Index(fields=["subject_type", "subject_id"])],
                "pk_attr": "id",
                "table_description": "One use of a media file by one piece of content (`subject_type` names its GraphQL type).",
            },
            bases=["Model"],
        ),
    ]
