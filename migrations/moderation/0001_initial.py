from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.moderation import Audience


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Announcement",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="announcements",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("body", fields.TextField(unique=False)),
                ("body_html", fields.TextField(default="", unique=False)),
                (
                    "audience",
                    fields.CharEnumField(
                        default=Audience.ALL,
                        description="ALL: ALL\nROLE: ROLE\nCOMMITTEE: COMMITTEE",
                        enum_type=Audience,
                        max_length=16,
                    ),
                ),
                ("audience_role", fields.CharField(null=True, max_length=16)),
                (
                    "committee",
                    fields.ForeignKeyField(
                        "accounts.Committee",
                        source_field="committee_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="announcements",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("pinned", fields.BooleanField(default=False)),
                ("publish_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("published_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "announcements",
                "app": "moderation",
                "indexes": [Index(fields=["published_at", "publish_at"])],
                "pk_attr": "id",
                "table_description": "A notice from staff (or a governance outcome). Visible once `published_at` is set,",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AnnouncementRead",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "announcement",
                    fields.ForeignKeyField(
                        "moderation.Announcement",
                        source_field="announcement_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reads",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="announcement_reads",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("read_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "announcement_reads",
                "app": "moderation",
                "unique_together": (("announcement", "user"),),
                "pk_attr": "id",
                "table_description": "That a member has read an announcement (absence = unread).",
            },
            bases=["Model"],
        ),
    ]
