from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from api.models.forum import SubscriptionLevel


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0005_email_tokens_verified_locale"),
        ("forum", "0002_reading_time"),
    ]

    initial = False

    operations = [
        ops.CreateModel(
            name="SpaceSubscription",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="space_subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "space",
                    fields.ForeignKeyField(
                        "forum.Space",
                        source_field="space_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "level",
                    fields.CharEnumField(
                        description="WATCH: WATCH\nMUTE: MUTE", enum_type=SubscriptionLevel, max_length=16
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "forum_space_subscriptions",
                "app": "forum",
                "unique_together": (("user", "space"),),
                "pk_attr": "id",
                "table_description": "A member watching (every new topic and reply notifies them) or muting (nothing from it",
            },
            bases=["Model"],
        ),
    ]
