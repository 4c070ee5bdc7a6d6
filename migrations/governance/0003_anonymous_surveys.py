import functools
from json import dumps, loads
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("accounts", "0003_user_username_skeleton"),
        ("accounts", "0004_trust_levels"),
        ("forum", "0002_reading_time"),
        ("governance", "0002_poll_topic_fk"),
    ]

    initial = False

    operations = [
        ops.CreateModel(
            name="AnonymousSurveyResponse",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "survey",
                    fields.ForeignKeyField(
                        "governance.Survey",
                        source_field="survey_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="anonymous_responses",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "answers",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
            ],
            options={
                "table": "governance_survey_anonymous_responses",
                "app": "governance",
                "pk_attr": "id",
                "table_description": "Answers to an anonymous survey: a random id (no insertion order), no respondent, no time.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SurveyParticipant",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "survey",
                    fields.ForeignKeyField(
                        "governance.Survey",
                        source_field="survey_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="participants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="governance_survey_participations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "governance_survey_participants",
                "app": "governance",
                "unique_together": (("survey", "user"),),
                "pk_attr": "id",
                "table_description": "That a member answered an anonymous survey (one response per member), kept apart from the",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Survey",
            name="anonymous",
            field=fields.BooleanField(default=False),
        ),
    ]
