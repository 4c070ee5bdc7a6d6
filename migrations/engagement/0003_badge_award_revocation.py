from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0002_event_reminded_at"),
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0006_member_last_active_day"),
        ("engagement", "0001_initial"),
        ("media", "0001_initial"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="BadgeAward",
            name="revoked_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="BadgeAward",
            name="revoked_by",
            field=fields.ForeignKeyField(
                "accounts.User",
                source_field="revoked_by_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="badge_awards_revoked",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="BadgeAward",
            name="revoked_reason",
            field=fields.CharField(default="", max_length=500),
        ),
    ]
