from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.moderation import (
    AdmissionVia,
    CaseStatus,
    FilterKind,
    JoinPolicy,
    JoinRequestStatus,
    LogAction,
    ModerationAction,
    ReportReason,
)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("moderation", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Admission",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="admissions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scope", fields.IntField(default=0)),
                (
                    "via",
                    fields.CharEnumField(
                        description="REGISTRATION: REGISTRATION\nINVITE: INVITE\nAPPROVAL: APPROVAL",
                        enum_type=AdmissionVia,
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
                        related_name="admissions_granted",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "moderation_admissions",
                "app": "moderation",
                "unique_together": (("user", "scope"),),
                "pk_attr": "id",
                "table_description": "That a member is admitted to the community (`scope` 0) or to a space (`scope` = space id).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FilterRule",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "kind",
                    fields.CharEnumField(description="WORD: WORD\nLINK: LINK", enum_type=FilterKind, max_length=16),
                ),
                ("pattern", fields.CharField(max_length=100)),
                ("note", fields.CharField(default="", max_length=200)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="filter_rules",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "moderation_filter_rules",
                "app": "moderation",
                "unique_together": (("kind", "pattern"),),
                "pk_attr": "id",
                "table_description": "A pre-moderation rule managed by admins: matching content is held for review.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Invite",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("code_hash", fields.CharField(unique=True, max_length=64)),
                ("code_hint", fields.CharField(max_length=8)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invites",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("role", fields.CharField(null=True, max_length=16)),
                ("space_id", fields.IntField(null=True)),
                ("max_uses", fields.IntField()),
                ("uses", fields.IntField(default=0)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "moderation_invites",
                "app": "moderation",
                "pk_attr": "id",
                "table_description": "An invite code. Only its SHA-256 is stored: the code is shown once, to its creator.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="JoinRequest",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="join_requests",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("space_id", fields.IntField(null=True)),
                ("message", fields.TextField(default="", unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=JoinRequestStatus.PENDING,
                        description="PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED",
                        enum_type=JoinRequestStatus,
                        max_length=16,
                    ),
                ),
                ("pending", fields.SmallIntField(null=True, default=1)),
                ("scope", fields.IntField(default=0)),
                (
                    "decided_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="decided_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="join_decisions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("decision_reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "moderation_join_requests",
                "app": "moderation",
                "unique_together": (("user", "scope", "pending"),),
                "indexes": [Index(fields=["status", "created_at"])],
                "pk_attr": "id",
                "table_description": "A member asks to join the community (`space_id` null) or a space.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ModerationLogEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "action",
                    fields.CharEnumField(
                        description="RULES_PUBLISHED: RULES_PUBLISHED\nJOIN_APPROVED: JOIN_APPROVED\nJOIN_REJECTED: JOIN_REJECTED\nJOIN_POLICY_CHANGED: JOIN_POLICY_CHANGED\nINVITE_REVOKED: INVITE_REVOKED\nREPORT_DISMISSED: REPORT_DISMISSED\nCONTENT_HIDDEN: CONTENT_HIDDEN\nCONTENT_DELETED: CONTENT_DELETED\nCONTENT_APPROVED: CONTENT_APPROVED\nCONTENT_REJECTED: CONTENT_REJECTED\nMEMBER_WARNED: MEMBER_WARNED\nMEMBER_MUTED: MEMBER_MUTED\nMEMBER_BANNED: MEMBER_BANNED\nSANCTION_REVOKED: SANCTION_REVOKED\nFILTER_ADDED: FILTER_ADDED\nFILTER_REMOVED: FILTER_REMOVED\nANNOUNCEMENT_PUBLISHED: ANNOUNCEMENT_PUBLISHED",
                        enum_type=LogAction,
                        max_length=32,
                    ),
                ),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="moderation_log_entries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("subject_type", fields.CharField(default="", max_length=32)),
                ("subject_id", fields.IntField(null=True)),
                ("subject_label", fields.CharField(default="", max_length=200)),
                ("reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "moderation_log",
                "app": "moderation",
                "pk_attr": "id",
                "table_description": "An append-only record of a moderation decision.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Referral",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "invite",
                    fields.ForeignKeyField(
                        "moderation.Invite",
                        source_field="invite_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="referrals",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "inviter",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="inviter_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="referrals_made",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "invitee",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="invitee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="referred_by",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "moderation_referrals",
                "app": "moderation",
                "unique_together": (("invite", "invitee"),),
                "pk_attr": "id",
                "table_description": "Who invited whom, with which invite.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReviewItem",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("subject_type", fields.CharField(max_length=32)),
                ("subject_id", fields.IntField()),
                (
                    "subject_author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="subject_author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="review_items_about",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=CaseStatus.OPEN,
                        description="OPEN: OPEN\nRESOLVED: RESOLVED",
                        enum_type=CaseStatus,
                        max_length=16,
                    ),
                ),
                ("open", fields.SmallIntField(null=True, default=1)),
                ("held", fields.BooleanField(default=False)),
                ("hold_reason", fields.CharField(default="", max_length=200)),
                ("report_count", fields.IntField(default=0)),
                ("last_reported_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "action",
                    fields.CharEnumField(
                        null=True,
                        description="DISMISS: DISMISS\nHIDE_CONTENT: HIDE_CONTENT\nDELETE_CONTENT: DELETE_CONTENT\nWARN: WARN\nMUTE: MUTE\nBAN: BAN",
                        enum_type=ModerationAction,
                        max_length=16,
                    ),
                ),
                ("resolution", fields.CharField(default="", max_length=16)),
                (
                    "resolved_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="resolved_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="review_items_resolved",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("resolved_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("resolution_reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "moderation_review_items",
                "app": "moderation",
                "unique_together": (("subject_type", "subject_id", "open"),),
                "indexes": [Index(fields=["status", "last_reported_at"]), Index(fields=["status", "report_count"])],
                "pk_attr": "id",
                "table_description": "One subject in the review queue: reported content or member, or content held by",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Report",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "item",
                    fields.ForeignKeyField(
                        "moderation.ReviewItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reports",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "reporter",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="reporter_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reports_made",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("subject_type", fields.CharField(max_length=32)),
                ("subject_id", fields.IntField()),
                (
                    "reason",
                    fields.CharEnumField(
                        description="SPAM: SPAM\nABUSE: ABUSE\nOFF_TOPIC: OFF_TOPIC\nILLEGAL: ILLEGAL\nOTHER: OTHER",
                        enum_type=ReportReason,
                        max_length=16,
                    ),
                ),
                ("note", fields.TextField(default="", unique=False)),
                ("open", fields.SmallIntField(null=True, default=1)),
                (
                    "outcome",
                    fields.CharEnumField(
                        null=True,
                        description="DISMISS: DISMISS\nHIDE_CONTENT: HIDE_CONTENT\nDELETE_CONTENT: DELETE_CONTENT\nWARN: WARN\nMUTE: MUTE\nBAN: BAN",
                        enum_type=ModerationAction,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("resolved_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "moderation_reports",
                "app": "moderation",
                "unique_together": (("reporter", "subject_type", "subject_id", "open"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RulesVersion",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("version", fields.IntField(unique=True)),
                ("body", fields.TextField(unique=False)),
                ("body_html", fields.TextField(default="", unique=False)),
                ("change_note", fields.CharField(default="", max_length=500)),
                (
                    "author",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="rules_versions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "moderation_rules_versions",
                "app": "moderation",
                "pk_attr": "id",
                "table_description": "One version of the community charter. Versions are never changed, only superseded.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RulesAcceptance",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "rules",
                    fields.ForeignKeyField(
                        "moderation.RulesVersion",
                        source_field="rules_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="acceptances",
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
                        related_name="rules_acceptances",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("accepted_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "moderation_rules_acceptances",
                "app": "moderation",
                "unique_together": (("rules", "user"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SpaceJoinPolicy",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("space_id", fields.IntField(unique=True)),
                (
                    "policy",
                    fields.CharEnumField(
                        description="OPEN: OPEN\nAPPROVAL: APPROVAL\nINVITE_ONLY: INVITE_ONLY",
                        enum_type=JoinPolicy,
                        max_length=16,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "moderation_space_join_policies",
                "app": "moderation",
                "pk_attr": "id",
                "table_description": "A space's override of the community join policy. Spaces belong to the forum app: they",
            },
            bases=["Model"],
        ),
    ]
