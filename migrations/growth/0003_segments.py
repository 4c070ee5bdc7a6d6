import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("accounts", "0006_member_last_active_day"),
        ("engagement", "0003_badge_award_revocation"),
        ("growth", "0002_referral_outcomes"),
        ("moderation", "0001_initial"),
        ("moderation", "0002_rules_admission_reports_log"),
        ("moderation", "0003_log_content_restored"),
        ("moderation", "0004_invite_scope"),
        ("moderation", "0005_log_settings_changed"),
        ("moderation", "0006_watched_word_actions"),
        ("moderation", "0007_log_spammer_removed"),
    ]

    initial = False

    operations = [
        ops.CreateModel(
            name="Segment",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(unique=True, max_length=100)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "criteria",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="segments_created",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "growth_segments",
                "app": "growth",
                "pk_attr": "id",
                "table_description": "A saved segment of members (用户画像) defined by staff: criteria kept as JSON",
            },
            bases=["Model"],
        ),
    ]
