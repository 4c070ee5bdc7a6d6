import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from api.models.accounts import CommitteeRole, Role, SanctionKind, UserStatus, Visibility


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Committee",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(unique=True, max_length=100)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "visibility",
                    fields.CharEnumField(
                        default=Visibility.PUBLIC,
                        description="PUBLIC: PUBLIC\nMEMBERS: MEMBERS\nPRIVATE: PRIVATE",
                        enum_type=Visibility,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "committees", "app": "accounts", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("username", fields.CharField(max_length=32)),
                ("username_key", fields.CharField(unique=True, max_length=64)),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("password_hash", fields.CharField(max_length=255)),
                ("display_name", fields.CharField(max_length=64)),
                ("bio", fields.TextField(default="", unique=False)),
                (
                    "interest_tags",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        default=Role.MEMBER,
                        description="MEMBER: MEMBER\nMODERATOR: MODERATOR\nADMIN: ADMIN",
                        enum_type=Role,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=UserStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nINACTIVE: INACTIVE",
                        enum_type=UserStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("last_seen_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "users", "app": "accounts", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AccessToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("user_agent", fields.CharField(default="", max_length=255)),
            ],
            options={
                "table": "access_tokens",
                "app": "accounts",
                "pk_attr": "id",
                "table_description": "A bearer token. Only the SHA-256 of the token is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CommitteeMembership",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "committee",
                    fields.ForeignKeyField(
                        "accounts.Committee",
                        source_field="committee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="memberships",
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
                        related_name="committee_memberships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        default=CommitteeRole.MEMBER,
                        description="CHAIR: CHAIR\nMEMBER: MEMBER",
                        enum_type=CommitteeRole,
                        max_length=16,
                    ),
                ),
                ("joined_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("left_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "committee_memberships",
                "app": "accounts",
                "pk_attr": "id",
                "table_description": "One stint of a member on a committee. History is kept: leaving sets `left_at`.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MemberActivity",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="activity",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("day", fields.DateField()),
                ("writes", fields.IntField(default=0)),
                ("sign_ins", fields.IntField(default=0)),
            ],
            options={
                "table": "member_activity",
                "app": "accounts",
                "unique_together": (("user", "day"),),
                "pk_attr": "id",
                "table_description": "One row per member per UTC day with any sign-in or write: the base of DAU/WAU/MAU.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Notification",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="notifications",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("kind", fields.CharField(max_length=64)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="notifications_caused",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("subject_type", fields.CharField(default="", max_length=64)),
                ("subject_id", fields.IntField(null=True)),
                ("message", fields.TextField(default="", unique=False)),
                (
                    "data",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("read_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "notifications",
                "app": "accounts",
                "indexes": [Index(fields=["user_id", "read_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Sanction",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sanctions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="WARNING: WARNING\nMUTE: MUTE\nBAN: BAN", enum_type=SanctionKind, max_length=16
                    ),
                ),
                ("reason", fields.TextField(default="", unique=False)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="sanctions_given",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("ends_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "sanctions",
                "app": "accounts",
                "pk_attr": "id",
                "table_description": "A warning, mute or ban. Active while not revoked and before `ends_at` (null = permanent).",
            },
            bases=["Model"],
        ),
    ]
