import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.governance import (
    AbstentionRule,
    AuditAction,
    Outcome,
    PollResults,
    PollStatus,
    ProposalStatus,
    QuestionKind,
    Threshold,
    VotingMethod,
)

# The vote audit log is append-only in the database too, not only in the model. Updates are
# refused everywhere. Deletes are refused on PostgreSQL unless they cascade from a deleted
# proposal or account (pg_trigger_depth() > 1); SQLite cannot tell a cascade apart, and the
# test harness empties tables with DELETE, so there the model layer refuses deletes.
_SQLITE_TRIGGERS = """
CREATE TRIGGER governance_vote_audit_no_update BEFORE UPDATE ON governance_vote_audit
BEGIN SELECT RAISE(ABORT, 'the vote audit log is append-only'); END;
"""
_POSTGRES_TRIGGERS = """
CREATE FUNCTION governance_vote_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN RETURN OLD; END IF;
  RAISE EXCEPTION 'the vote audit log is append-only';
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER governance_vote_audit_no_change BEFORE UPDATE OR DELETE ON governance_vote_audit
FOR EACH ROW EXECUTE FUNCTION governance_vote_audit_append_only();
"""


async def _append_only_audit(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(_POSTGRES_TRIGGERS)
    else:
        await client.execute_script(_SQLITE_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("accounts", "0002_user_avatar")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Poll",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="authored_polls",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("topic_id", fields.IntField(null=True, db_index=True)),
                ("question", fields.CharField(max_length=300)),
                (
                    "options",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("multiple", fields.BooleanField(default=False)),
                ("max_choices", fields.IntField(default=1)),
                ("anonymous", fields.BooleanField(default=False)),
                (
                    "results",
                    fields.CharEnumField(
                        default=PollResults.ALWAYS,
                        description="ALWAYS: ALWAYS\nAFTER_CLOSE: AFTER_CLOSE",
                        enum_type=PollResults,
                        max_length=16,
                    ),
                ),
                ("allow_change", fields.BooleanField(default=True)),
                (
                    "status",
                    fields.CharEnumField(
                        default=PollStatus.OPEN,
                        description="OPEN: OPEN\nCLOSED: CLOSED",
                        enum_type=PollStatus,
                        max_length=16,
                    ),
                ),
                ("closes_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "governance_polls",
                "app": "governance",
                "pk_attr": "id",
                "table_description": "A quick question, attached to a forum topic or standalone.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PollVote",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "poll",
                    fields.ForeignKeyField(
                        "governance.Poll",
                        source_field="poll_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="votes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "voter",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="voter_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="governance_poll_votes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "choices",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("cast_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "governance_poll_votes",
                "app": "governance",
                "unique_together": (("poll", "voter"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Proposal",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "committee",
                    fields.ForeignKeyField(
                        "accounts.Committee",
                        source_field="committee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="proposals",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="authored_proposals",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("title", fields.CharField(max_length=300)),
                ("body", fields.TextField(default="", unique=False)),
                ("body_html", fields.TextField(default="", unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ProposalStatus.DRAFT,
                        description="DRAFT: DRAFT\nOPEN: OPEN\nCLOSED: CLOSED\nWITHDRAWN: WITHDRAWN",
                        enum_type=ProposalStatus,
                        max_length=16,
                    ),
                ),
                (
                    "method",
                    fields.CharEnumField(
                        default=VotingMethod.YES_NO_ABSTAIN,
                        description="YES_NO_ABSTAIN: YES_NO_ABSTAIN\nSINGLE_CHOICE: SINGLE_CHOICE\nAPPROVAL: APPROVAL\nRANKED_CHOICE: RANKED_CHOICE",
                        enum_type=VotingMethod,
                        max_length=24,
                    ),
                ),
                (
                    "options",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("quorum_percent", fields.IntField(default=50)),
                (
                    "threshold",
                    fields.CharEnumField(
                        default=Threshold.SIMPLE_MAJORITY,
                        description="SIMPLE_MAJORITY: SIMPLE_MAJORITY\nTWO_THIRDS: TWO_THIRDS\nUNANIMITY: UNANIMITY",
                        enum_type=Threshold,
                        max_length=24,
                    ),
                ),
                (
                    "abstentions",
                    fields.CharEnumField(
                        default=AbstentionRule.EXCLUDED,
                        description="EXCLUDED: EXCLUDED\nCOUNTED: COUNTED",
                        enum_type=AbstentionRule,
                        max_length=16,
                    ),
                ),
                ("secret", fields.BooleanField(default=False)),
                ("results_while_open", fields.BooleanField(default=False)),
                ("voting_minutes", fields.IntField(default=10080)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("opened_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closes_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("eligible_count", fields.IntField(default=0)),
                (
                    "outcome",
                    fields.CharEnumField(
                        null=True,
                        description="PASSED: PASSED\nREJECTED: REJECTED\nNO_QUORUM: NO_QUORUM",
                        enum_type=Outcome,
                        max_length=16,
                    ),
                ),
                (
                    "result",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("announced_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("announcement_id", fields.IntField(null=True)),
            ],
            options={
                "table": "governance_proposals",
                "app": "governance",
                "indexes": [Index(fields=["status", "closes_at"])],
                "pk_attr": "id",
                "table_description": "A motion a committee votes on. Rules (method, quorum, threshold...) are frozen at opening.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Ballot",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "proposal",
                    fields.ForeignKeyField(
                        "governance.Proposal",
                        source_field="proposal_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ballots",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "voter",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="voter_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="governance_ballots",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "choices",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("receipt", fields.CharField(max_length=64)),
                ("cast_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "governance_ballots",
                "app": "governance",
                "unique_together": (("proposal", "voter"),),
                "pk_attr": "id",
                "table_description": "A member's current ballot. One per member and proposal (unique). A change replaces it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="EligibleVoter",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "proposal",
                    fields.ForeignKeyField(
                        "governance.Proposal",
                        source_field="proposal_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="eligible",
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
                        related_name="governance_eligibilities",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "governance_eligible_voters",
                "app": "governance",
                "unique_together": (("proposal", "user"),),
                "pk_attr": "id",
                "table_description": "Who may vote on a proposal: the committee's members at the moment it opened.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Survey",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="authored_surveys",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("title", fields.CharField(max_length=300)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=PollStatus.OPEN,
                        description="OPEN: OPEN\nCLOSED: CLOSED",
                        enum_type=PollStatus,
                        max_length=16,
                    ),
                ),
                ("closes_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "governance_surveys", "app": "governance", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SurveyQuestion",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "survey",
                    fields.ForeignKeyField(
                        "governance.Survey",
                        source_field="survey_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="questions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField()),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SINGLE: SINGLE\nMULTIPLE: MULTIPLE\nTEXT: TEXT\nRATING: RATING",
                        enum_type=QuestionKind,
                        max_length=16,
                    ),
                ),
                ("prompt", fields.TextField(unique=False)),
                (
                    "options",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("required", fields.BooleanField(default=False)),
            ],
            options={
                "table": "governance_survey_questions",
                "app": "governance",
                "unique_together": (("survey", "position"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SurveyResponse",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "survey",
                    fields.ForeignKeyField(
                        "governance.Survey",
                        source_field="survey_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="responses",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "respondent",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="respondent_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="governance_survey_responses",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "answers",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "governance_survey_responses",
                "app": "governance",
                "unique_together": (("survey", "respondent"),),
                "pk_attr": "id",
                "table_description": "A member's answers to a survey: one per member, editable until the survey closes.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="VoteAuditEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "proposal",
                    fields.ForeignKeyField(
                        "governance.Proposal",
                        source_field="proposal_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="audit",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "voter",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="voter_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="governance_audit_entries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "action",
                    fields.CharEnumField(
                        description="CAST: CAST\nCHANGE: CHANGE\nRETRACT: RETRACT", enum_type=AuditAction, max_length=16
                    ),
                ),
                (
                    "choices",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "governance_vote_audit",
                "app": "governance",
                "pk_attr": "id",
                "table_description": "One cast, change or retraction. Append-only: the model refuses updates and deletes, and",
            },
            bases=["Model"],
        ),
        ops.RunPython(_append_only_audit),
    ]
