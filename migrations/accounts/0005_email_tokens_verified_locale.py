from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from api.models.accounts import EmailTokenPurpose


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.CreateModel(
            name="EmailToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="email_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "purpose",
                    fields.CharEnumField(
                        description="RESET: RESET\nVERIFY: VERIFY\nCHANGE: CHANGE",
                        enum_type=EmailTokenPurpose,
                        max_length=8,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("email", fields.CharField(max_length=254)),
                ("password_mark", fields.CharField(default="", max_length=16)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "email_tokens",
                "app": "accounts",
                "pk_attr": "id",
                "table_description": "A single-use token mailed to a member, stored as its SHA-256 only.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="User",
            name="email_verified_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="User",
            name="locale",
            field=fields.CharField(default="", max_length=16),
        ),
    ]
