from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("forum", "0001_initial"),
        ("forum", "0002_reading_time"),
        ("governance", "0004_proposal_electorates"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="Poll",
            name="deleted_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Poll",
            name="hidden",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Proposal",
            name="deleted_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Proposal",
            name="hidden",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Survey",
            name="deleted_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Survey",
            name="hidden",
            field=fields.BooleanField(default=False),
        ),
    ]
