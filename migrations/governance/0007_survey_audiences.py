from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from api.models.governance import SurveyAudience


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("forum", "0001_initial"),
        ("forum", "0002_reading_time"),
        ("governance", "0006_proposal_deliberation"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="Survey",
            name="audience",
            field=fields.CharEnumField(
                default=SurveyAudience.EVERYONE,
                description="EVERYONE: EVERYONE\nCOMMITTEE: COMMITTEE\nROLES: ROLES\nTRUST_LEVEL: TRUST_LEVEL",
                enum_type=SurveyAudience,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Survey",
            name="audience_committee",
            field=fields.ForeignKeyField(
                "accounts.Committee",
                source_field="audience_committee_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="surveys",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Survey",
            name="audience_min_trust_level",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Survey",
            name="audience_roles",
            field=fields.CharField(default="", max_length=64),
        ),
    ]
