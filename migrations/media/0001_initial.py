from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from api.models.media import MediaKind, MediaPurpose


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="MediaFile",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "owner",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="owner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="media_files",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "purpose",
                    fields.CharEnumField(
                        description="AVATAR: AVATAR\nPOST: POST\nRESOURCE: RESOURCE",
                        enum_type=MediaPurpose,
                        max_length=16,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="IMAGE: IMAGE\nAUDIO: AUDIO\nVIDEO: VIDEO\nDOCUMENT: DOCUMENT",
                        enum_type=MediaKind,
                        max_length=16,
                    ),
                ),
                ("mime_type", fields.CharField(max_length=64)),
                ("size", fields.BigIntField()),
                ("sha256", fields.CharField(db_index=True, max_length=64)),
                ("source_sha256", fields.CharField(db_index=True, max_length=64)),
                ("filename", fields.CharField(default="", max_length=255)),
                ("alt", fields.TextField(default="", unique=False)),
                ("width", fields.IntField(null=True)),
                ("height", fields.IntField(null=True)),
                ("duration", fields.FloatField(null=True)),
                ("animated", fields.BooleanField(default=False)),
                ("placeholder_color", fields.CharField(default="", max_length=7)),
                ("placeholder", fields.TextField(default="", unique=False)),
                ("private", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "media_files",
                "app": "media",
                "pk_attr": "id",
                "table_description": "One upload by one member, after validation and processing.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MediaVariant",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "media_file",
                    fields.ForeignKeyField(
                        "media.MediaFile",
                        source_field="media_file_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="variants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=16)),
                ("sha256", fields.CharField(db_index=True, max_length=64)),
                ("mime_type", fields.CharField(max_length=64)),
                ("size", fields.BigIntField()),
                ("width", fields.IntField(null=True)),
                ("height", fields.IntField(null=True)),
            ],
            options={
                "table": "media_variants",
                "app": "media",
                "unique_together": (("media_file", "name"),),
                "pk_attr": "id",
                "table_description": "One stored blob of a media file: the original or a resized WebP rendition.",
            },
            bases=["Model"],
        ),
    ]
