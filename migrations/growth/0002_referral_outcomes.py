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
        ("engagement", "0001_initial"),
        ("growth", "0001_tiers_and_coupons"),
        ("moderation", "0007_log_spammer_removed"),
    ]

    initial = False

    operations = [
        ops.CreateModel(
            name="ReferralOutcome",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "referral",
                    fields.OneToOneField(
                        "moderation.Referral",
                        source_field="referral_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="outcome",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("rewarded", fields.BooleanField()),
                ("reason", fields.CharField(default="", max_length=200)),
                ("points", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "growth_referral_outcomes",
                "app": "growth",
                "pk_attr": "id",
                "table_description": "Whether a referral (moderation.Referral) was rewarded, decided once by the referrals job:",
            },
            bases=["Model"],
        ),
    ]
