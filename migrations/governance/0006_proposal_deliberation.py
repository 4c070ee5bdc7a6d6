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
        ("forum", "0001_initial"),
        ("forum", "0002_reading_time"),
        ("governance", "0005_poll_survey_proposal_moderation"),
    ]

    initial = False

    operations = [
        ops.CreateModel(
            name="ProposalRevision",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "proposal",
                    fields.ForeignKeyField(
                        "governance.Proposal",
                        source_field="proposal_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="revisions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("number", fields.IntField()),
                ("title", fields.CharField(max_length=300)),
                ("body", fields.TextField(default="", unique=False)),
                (
                    "options",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "edited_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="edited_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="proposal_revisions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "governance_proposal_revisions",
                "app": "governance",
                "unique_together": (("proposal", "number"),),
                "pk_attr": "id",
                "table_description": "The text of a draft before one of its changes (the current text is the proposal's).",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Proposal",
            name="discussion_topic",
            field=fields.ForeignKeyField(
                "forum.Topic",
                source_field="discussion_topic_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="proposals",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Proposal",
            name="outcome_announcement_id",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Proposal",
            name="outcome_published_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Proposal",
            name="outcome_statement",
            field=fields.TextField(default="", unique=False),
        ),
        ops.AddField(
            model_name="Proposal",
            name="outcome_statement_html",
            field=fields.TextField(default="", unique=False),
        ),
        ops.AddField(
            model_name="Proposal",
            name="reminded_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
