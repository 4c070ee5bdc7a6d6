from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from api.models.moderation import WatchAction


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("moderation", "0005_log_settings_changed"),
    ]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="FilterRule",
            options={
                "table": "moderation_filter_rules",
                "app": "moderation",
                "unique_together": (("kind", "pattern"),),
                "pk_attr": "id",
                "table_description": "A watched word or linked domain managed by admins, and what it does to content.",
            },
        ),
        ops.AddField(
            model_name="FilterRule",
            name="action",
            field=fields.CharEnumField(
                default=WatchAction.REQUIRE_APPROVAL,
                description="BLOCK: BLOCK\nCENSOR: CENSOR\nREQUIRE_APPROVAL: REQUIRE_APPROVAL\nFLAG: FLAG",
                enum_type=WatchAction,
                max_length=24,
            ),
        ),
    ]
