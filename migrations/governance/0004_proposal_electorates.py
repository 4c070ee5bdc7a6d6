import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.governance import Electorate


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("forum", "0001_initial"),
        ("forum", "0002_reading_time"),
        ("governance", "0003_anonymous_surveys"),
    ]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="EligibleVoter",
            options={
                "table": "governance_eligible_voters",
                "app": "governance",
                "unique_together": (("proposal", "user"),),
                "pk_attr": "id",
                "table_description": "Who may vote on a proposal: its electorate at the moment it opened.",
            },
        ),
        ops.AlterModelOptions(
            name="Proposal",
            options={
                "table": "governance_proposals",
                "app": "governance",
                "indexes": [Index(fields=["status", "closes_at"])],
                "pk_attr": "id",
                "table_description": "A motion a committee runs. Rules (method, quorum, threshold...) and the voters (its electorate,",
            },
        ),
        ops.AddField(
            model_name="Proposal",
            name="electorate",
            field=fields.CharEnumField(
                default=Electorate.COMMITTEE,
                description="COMMITTEE: COMMITTEE\nMEMBERS: MEMBERS\nROLES: ROLES\nTRUST_LEVEL: TRUST_LEVEL",
                enum_type=Electorate,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Proposal",
            name="electorate_min_trust_level",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Proposal",
            name="electorate_roles",
            field=fields.JSONField(
                default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
    ]
