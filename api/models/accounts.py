"""Members, login tokens, roles, sanctions, committees and daily activity."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.media import MediaFile


class Role(str, Enum):
    """Community roles, ordered: every role holds the rights of the ones below it."""

    MEMBER = "MEMBER"
    MODERATOR = "MODERATOR"
    ADMIN = "ADMIN"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.MEMBER: 0, Role.MODERATOR: 1, Role.ADMIN: 2}


class UserStatus(str, Enum):
    """Lifecycle stage (`api.domain.growth.lifecycle`): set by the lifecycle job from
    LIFECYCLE_AT_RISK_DAYS / LIFECYCLE_INACTIVE_DAYS without activity (or by staff after review),
    back to ACTIVE on the member's next request. Nothing is deleted at any stage."""

    ACTIVE = "ACTIVE"
    AT_RISK = "AT_RISK"
    INACTIVE = "INACTIVE"


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=32)
    # casefold()ed username: the unique key, so "Alice" and "alice" cannot both exist.
    username_key = fields.CharField(max_length=64, unique=True)
    # Confusable skeleton of the username (api.names, Unicode TR39): no two members' names look
    # alike. Null only for members who registered before it existed and clash with an older one.
    username_skeleton = fields.CharField(max_length=128, unique=True, null=True)
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=64)
    bio = fields.TextField(default="")
    interest_tags: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    role = fields.CharEnumField(Role, max_length=16, default=Role.MEMBER)
    status = fields.CharEnumField(UserStatus, max_length=16, default=UserStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    last_seen_at = fields.DatetimeField(null=True)
    # Community day of the member's latest activity (`api.domain.activity.record_visit`).
    last_active_day = fields.DateField(null=True, db_index=True)
    # Trust levels 0-4 (api.domain.trust): earned from activity by a job; staff may lock a level.
    trust_level = fields.SmallIntField(default=0)
    trust_level_locked = fields.BooleanField(default=False)
    # Set when the member followed a verification link sent to `email` (api.domain.accounts.recovery).
    email_verified_at = fields.DatetimeField(null=True)
    # Language of mail to the member ("en", "zh-CN"); "" = the community's DEFAULT_LOCALE.
    locale = fields.CharField(max_length=16, default="")
    # Profile picture: an image uploaded with purpose AVATAR (see `api.domain.media`).
    avatar: fields.ForeignKeyNullableRelation[MediaFile] = fields.ForeignKeyField(
        "media.MediaFile", related_name="avatar_of", null=True, on_delete=fields.SET_NULL
    )
    avatar_id: int | None

    class Meta:
        table = "users"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.username


class AccessToken(Model):
    """A bearer token. Only the SHA-256 of the token is stored."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="tokens", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    user_agent = fields.CharField(max_length=255, default="")
    # Keyed hash of the client's network when issued (never the address; "" for private ones):
    # the referral guard's "same network" (api.domain.accounts.network_tag).
    network = fields.CharField(max_length=32, default="")

    class Meta:
        table = "access_tokens"


class EmailTokenPurpose(str, Enum):
    RESET = "RESET"  # password reset
    VERIFY = "VERIFY"  # verify the account's address
    CHANGE = "CHANGE"  # confirm a new address before it replaces the old one


class EmailToken(Model):
    """A single-use token mailed to a member, stored as its SHA-256 only.

    It expires, is used once (`used_at`), and a reset token also dies when the password changes
    (`password_mark`)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="email_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    purpose = fields.CharEnumField(EmailTokenPurpose, max_length=8)
    token_hash = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=254)  # the address it was sent to (the new one for CHANGE)
    password_mark = fields.CharField(max_length=16, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "email_tokens"


class SanctionKind(str, Enum):
    WARNING = "WARNING"
    MUTE = "MUTE"
    BAN = "BAN"


class Sanction(Model):
    """A warning, mute or ban. Active while not revoked and before `ends_at` (null = permanent)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="sanctions", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharEnumField(SanctionKind, max_length=16)
    reason = fields.TextField(default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="sanctions_given", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    ends_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sanctions"
        ordering = ["-created_at", "-id"]
        indexes = (("user_id", "kind"),)  # joined by authentication on every signed-in request


class Visibility(str, Enum):
    PUBLIC = "PUBLIC"  # anyone, anonymous included
    MEMBERS = "MEMBERS"  # signed-in members
    PRIVATE = "PRIVATE"  # only those listed (roles, committee members)


class Committee(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    description = fields.TextField(default="")
    visibility = fields.CharEnumField(Visibility, max_length=16, default=Visibility.PUBLIC)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "committees"
        ordering = ["name"]


class CommitteeRole(str, Enum):
    CHAIR = "CHAIR"
    MEMBER = "MEMBER"


class CommitteeMembership(Model):
    """One stint of a member on a committee. History is kept: leaving sets `left_at`."""

    id = fields.IntField(primary_key=True)
    committee: fields.ForeignKeyRelation[Committee] = fields.ForeignKeyField(
        "accounts.Committee", related_name="memberships", on_delete=fields.CASCADE
    )
    committee_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="committee_memberships", on_delete=fields.CASCADE
    )
    user_id: int
    role = fields.CharEnumField(CommitteeRole, max_length=16, default=CommitteeRole.MEMBER)
    joined_at = fields.DatetimeField()
    left_at = fields.DatetimeField(null=True)

    class Meta:
        table = "committee_memberships"
        ordering = ["joined_at", "id"]
        indexes = (("user_id", "left_at"),)  # a member's seats: joined by authentication


class MemberActivity(Model):
    """One row per member per community day with any request (read, write or sign-in): the
    base of DAU/WAU/MAU. Written once per member and day (`api.domain.activity.record_visit`)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="activity", on_delete=fields.CASCADE
    )
    user_id: int
    day = fields.DateField()
    writes = fields.IntField(default=0)
    sign_ins = fields.IntField(default=0)

    class Meta:
        table = "member_activity"
        unique_together = (("user", "day"),)
        indexes = (("day", "user_id"),)  # analytics read days in a range
