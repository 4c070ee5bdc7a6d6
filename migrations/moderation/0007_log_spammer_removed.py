from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from api.models.moderation import LogAction


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_trust_levels"), ("moderation", "0006_watched_word_actions")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="ModerationLogEntry",
            name="action",
            field=fields.CharEnumField(
                description="RULES_PUBLISHED: RULES_PUBLISHED\nJOIN_APPROVED: JOIN_APPROVED\nJOIN_REJECTED: JOIN_REJECTED\nJOIN_POLICY_CHANGED: JOIN_POLICY_CHANGED\nINVITE_REVOKED: INVITE_REVOKED\nREPORT_DISMISSED: REPORT_DISMISSED\nCONTENT_HIDDEN: CONTENT_HIDDEN\nCONTENT_DELETED: CONTENT_DELETED\nCONTENT_RESTORED: CONTENT_RESTORED\nCONTENT_APPROVED: CONTENT_APPROVED\nCONTENT_REJECTED: CONTENT_REJECTED\nMEMBER_WARNED: MEMBER_WARNED\nMEMBER_MUTED: MEMBER_MUTED\nMEMBER_BANNED: MEMBER_BANNED\nSANCTION_REVOKED: SANCTION_REVOKED\nFILTER_ADDED: FILTER_ADDED\nFILTER_REMOVED: FILTER_REMOVED\nANNOUNCEMENT_PUBLISHED: ANNOUNCEMENT_PUBLISHED\nSETTINGS_CHANGED: SETTINGS_CHANGED\nSPAMMER_REMOVED: SPAMMER_REMOVED",
                enum_type=LogAction,
                max_length=32,
            ),
        ),
    ]
