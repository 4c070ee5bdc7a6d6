from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.growth import TierSource


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_member_last_active_day"), ("engagement", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Coupon",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "reward",
                    fields.ForeignKeyField(
                        "engagement.Reward",
                        source_field="reward_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="coupons",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("code", fields.CharField(max_length=64)),
                ("batch", fields.CharField(default="", max_length=100)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="coupons",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "redemption",
                    fields.OneToOneField(
                        "engagement.Redemption",
                        source_field="redemption_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="coupon",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("issued_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "used_marked_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="used_marked_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="coupons_marked",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "growth_coupons",
                "app": "growth",
                "unique_together": (("reward", "code"),),
                "indexes": [Index(fields=["reward_id", "user_id"])],
                "pk_attr": "id",
                "table_description": "One coupon code of a reward: generated or imported (a partner's), issued to one",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Tier",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(unique=True, max_length=64)),
                ("description", fields.TextField(default="", unique=False)),
                ("rank", fields.IntField(unique=True)),
                ("min_points", fields.IntField(null=True)),
                ("min_trust_level", fields.SmallIntField(null=True)),
                ("manual_only", fields.BooleanField(default=False)),
                ("flair", fields.CharField(default="", max_length=32)),
                ("extra_upload_bytes", fields.BigIntField(default=0)),
                ("early_signup_hours", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "growth_tiers",
                "app": "growth",
                "pk_attr": "id",
                "table_description": "A tier defined by admins. A member qualifies when every set condition holds (lifetime",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MemberTier",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.OneToOneField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="member_tier",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "tier",
                    fields.ForeignKeyField(
                        "growth.Tier",
                        source_field="tier_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="holders",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "source",
                    fields.CharEnumField(
                        default=TierSource.RULES,
                        description="RULES: RULES\nMANUAL: MANUAL",
                        enum_type=TierSource,
                        max_length=16,
                    ),
                ),
                (
                    "granted_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="granted_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="tiers_granted",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("reason", fields.CharField(default="", max_length=500)),
                ("since", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "growth_member_tiers",
                "app": "growth",
                "pk_attr": "id",
                "table_description": "The tier a member holds now (no row: none).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RewardTier",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "reward",
                    fields.OneToOneField(
                        "engagement.Reward",
                        source_field="reward_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tier_rule",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "tier",
                    fields.ForeignKeyField(
                        "growth.Tier",
                        source_field="tier_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rewards",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "growth_reward_tiers",
                "app": "growth",
                "pk_attr": "id",
                "table_description": "A reward of the catalogue only members of `tier` (or a higher one) may redeem.",
            },
            bases=["Model"],
        ),
    ]
