"""Community rules, admission (join requests, invites), reports and the review queue,
pre-moderation filters, the moderation log and announcements."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, NoReturn

from tortoise import fields
from tortoise.manager import Manager
from tortoise.models import Model
from tortoise.queryset import QuerySet

if TYPE_CHECKING:
    from api.models.accounts import Committee, User


class Audience(str, Enum):
    ALL = "ALL"  # every member
    ROLE = "ROLE"  # members holding `audience_role` or a higher role
    COMMITTEE = "COMMITTEE"  # current members of `committee`
    SEGMENT = "SEGMENT"  # members the saved growth segment `audience_segment_id` matches at the time


class Announcement(Model):
    """A notice from staff (or a governance outcome). Visible once `published_at` is set,
    until `expires_at`. Scheduled ones wait with `published_at` null until `publish_at`."""

    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="announcements", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    body_html = fields.TextField(default="")
    audience = fields.CharEnumField(Audience, max_length=16, default=Audience.ALL)
    audience_role = fields.CharField(max_length=16, null=True)
    committee: fields.ForeignKeyNullableRelation[Committee] = fields.ForeignKeyField(
        "accounts.Committee", related_name="announcements", null=True, on_delete=fields.CASCADE
    )
    committee_id: int | None
    # A growth Segment's id (audience SEGMENT); no foreign key, so moderation's tables do not depend
    # on growth's: a deleted segment addresses nobody.
    audience_segment_id = fields.IntField(null=True)
    pinned = fields.BooleanField(default=False)
    # Mailed to the audience when published (in the publishing transaction; bulk mail).
    mail_audience = fields.BooleanField(default=False)
    publish_at = fields.DatetimeField()
    # Set exactly once, by whoever publishes it first (the request or the scheduler).
    published_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "announcements"
        ordering = ["-publish_at", "-id"]
        indexes = (("published_at", "publish_at"),)


class AnnouncementRead(Model):
    """That a member has read an announcement (absence = unread)."""

    id = fields.IntField(primary_key=True)
    announcement: fields.ForeignKeyRelation[Announcement] = fields.ForeignKeyField(
        "moderation.Announcement", related_name="reads", on_delete=fields.CASCADE
    )
    announcement_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="announcement_reads", on_delete=fields.CASCADE
    )
    user_id: int
    read_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "announcement_reads"
        unique_together = (("announcement", "user"),)


# --- Rules -------------------------------------------------------------------------------------


class RulesVersion(Model):
    """One version of the community charter. Versions are never changed, only superseded."""

    id = fields.IntField(primary_key=True)
    version = fields.IntField(unique=True)
    body = fields.TextField()
    body_html = fields.TextField(default="")
    change_note = fields.CharField(max_length=500, default="")
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="rules_versions", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "moderation_rules_versions"
        ordering = ["-version"]


class RulesAcceptance(Model):
    id = fields.IntField(primary_key=True)
    rules: fields.ForeignKeyRelation[RulesVersion] = fields.ForeignKeyField(
        "moderation.RulesVersion", related_name="acceptances", on_delete=fields.CASCADE
    )
    rules_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="rules_acceptances", on_delete=fields.CASCADE
    )
    user_id: int
    accepted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "moderation_rules_acceptances"
        unique_together = (("rules", "user"),)


# --- Admission -----------------------------------------------------------------------------------


class JoinPolicy(str, Enum):
    OPEN = "OPEN"  # anyone may join and post
    APPROVAL = "APPROVAL"  # a moderator approves each join request
    INVITE_ONLY = "INVITE_ONLY"  # only with an invite code


class SpaceJoinPolicy(Model):
    """A space's override of the community join policy. Spaces belong to the forum app: they
    are keyed by id here, so moderation does not depend on the forum's tables."""

    id = fields.IntField(primary_key=True)
    space_id = fields.IntField(unique=True)
    policy = fields.CharEnumField(JoinPolicy, max_length=16)
    # Whether members (not only staff) may invite people into the space when it is not OPEN.
    members_may_invite = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "moderation_space_join_policies"


class JoinRequestStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class JoinRequest(Model):
    """A member asks to join the community (`space_id` null) or a space."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="join_requests", on_delete=fields.CASCADE
    )
    user_id: int
    space_id = fields.IntField(null=True)
    message = fields.TextField(default="")
    status = fields.CharEnumField(JoinRequestStatus, max_length=16, default=JoinRequestStatus.PENDING)
    # 1 while pending, null once decided: the unique key allows one pending request per scope
    # (NULLs never collide, on SQLite and PostgreSQL alike). `scope` is the space id or 0.
    pending = fields.SmallIntField(null=True, default=1)
    scope = fields.IntField(default=0)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="join_decisions", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "moderation_join_requests"
        ordering = ["-created_at", "-id"]
        unique_together = (("user", "scope", "pending"),)
        indexes = (("status", "created_at"),)


class AdmissionVia(str, Enum):
    REGISTRATION = "REGISTRATION"  # joined while the policy was OPEN
    INVITE = "INVITE"
    APPROVAL = "APPROVAL"


class Admission(Model):
    """That a member is admitted to the community (`scope` 0) or to a space (`scope` = space id)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="admissions", on_delete=fields.CASCADE
    )
    user_id: int
    scope = fields.IntField(default=0)
    via = fields.CharEnumField(AdmissionVia, max_length=16)
    granted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="admissions_granted", null=True, on_delete=fields.SET_NULL
    )
    granted_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "moderation_admissions"
        unique_together = (("user", "scope"),)


class Invite(Model):
    """An invite code. Only its SHA-256 is stored: the code is shown once, to its creator."""

    id = fields.IntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    code_hint = fields.CharField(max_length=8)  # the first characters, to recognise it in lists
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="invites", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    role = fields.CharField(max_length=16, null=True)  # granted on registration (admins only)
    space_id = fields.IntField(null=True)  # admits to this space
    # A space's invite admits to the community as well only when it says so (staff choose).
    admits_to_community = fields.BooleanField(default=True)
    max_uses = fields.IntField()
    uses = fields.IntField(default=0)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "moderation_invites"
        ordering = ["-created_at", "-id"]


class Referral(Model):
    """Who invited whom, with which invite."""

    id = fields.IntField(primary_key=True)
    invite: fields.ForeignKeyNullableRelation[Invite] = fields.ForeignKeyField(
        "moderation.Invite", related_name="referrals", null=True, on_delete=fields.SET_NULL
    )
    invite_id: int | None
    inviter: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="referrals_made", null=True, on_delete=fields.SET_NULL
    )
    inviter_id: int | None
    invitee: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="referred_by", on_delete=fields.CASCADE
    )
    invitee_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "moderation_referrals"
        ordering = ["-created_at", "-id"]
        unique_together = (("invite", "invitee"),)


# --- Reports, held content and the review queue ----------------------------------------------------


class ReportReason(str, Enum):
    SPAM = "SPAM"
    ABUSE = "ABUSE"
    OFF_TOPIC = "OFF_TOPIC"
    ILLEGAL = "ILLEGAL"
    OTHER = "OTHER"


class CaseStatus(str, Enum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class ModerationAction(str, Enum):
    DISMISS = "DISMISS"
    HIDE_CONTENT = "HIDE_CONTENT"
    DELETE_CONTENT = "DELETE_CONTENT"
    WARN = "WARN"
    MUTE = "MUTE"
    BAN = "BAN"


class ReviewItem(Model):
    """One subject in the review queue: reported content or member, or content held by
    pre-moderation. Reports on the same subject gather on its open item."""

    id = fields.IntField(primary_key=True)
    subject_type = fields.CharField(max_length=32)  # GraphQL type name: Post, Topic, User...
    subject_id = fields.IntField()
    subject_author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="review_items_about", null=True, on_delete=fields.SET_NULL
    )
    subject_author_id: int | None
    status = fields.CharEnumField(CaseStatus, max_length=16, default=CaseStatus.OPEN)
    # 1 while open, null once resolved: one open item per subject (see JoinRequest.pending).
    open = fields.SmallIntField(null=True, default=1)
    held = fields.BooleanField(default=False)  # held by pre-moderation, waiting for approval
    hold_reason = fields.CharField(max_length=200, default="")
    report_count = fields.IntField(default=0)
    last_reported_at = fields.DatetimeField(null=True)
    action = fields.CharEnumField(ModerationAction, max_length=16, null=True)
    resolution = fields.CharField(max_length=16, default="")  # APPROVED / REJECTED for held items
    resolved_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="review_items_resolved", null=True, on_delete=fields.SET_NULL
    )
    resolved_by_id: int | None
    resolved_at = fields.DatetimeField(null=True)
    resolution_reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "moderation_review_items"
        ordering = ["-updated_at", "-id"]
        unique_together = (("subject_type", "subject_id", "open"),)
        indexes = (("status", "last_reported_at"), ("status", "report_count"))


class Report(Model):
    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[ReviewItem] = fields.ForeignKeyField(
        "moderation.ReviewItem", related_name="reports", on_delete=fields.CASCADE
    )
    item_id: int
    reporter: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="reports_made", on_delete=fields.CASCADE
    )
    reporter_id: int
    subject_type = fields.CharField(max_length=32)
    subject_id = fields.IntField()
    reason = fields.CharEnumField(ReportReason, max_length=16)
    note = fields.TextField(default="")
    # 1 while open: one open report per reporter per subject (see JoinRequest.pending).
    open = fields.SmallIntField(null=True, default=1)
    outcome = fields.CharEnumField(ModerationAction, max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "moderation_reports"
        ordering = ["-created_at", "-id"]
        unique_together = (("reporter", "subject_type", "subject_id", "open"),)


class FilterKind(str, Enum):
    WORD = "WORD"  # a word or phrase (see api.domain.moderation.watched for how it matches)
    LINK = "LINK"  # links to this domain or its subdomains; "*" matches any link


class WatchAction(str, Enum):
    """What a watched word does to the content it is found in (Discourse's actions)."""

    BLOCK = "BLOCK"  # refused with a field error
    CENSOR = "CENSOR"  # replaced in what is shown
    REQUIRE_APPROVAL = "REQUIRE_APPROVAL"  # held for a moderator
    FLAG = "FLAG"  # published, and put in the review queue


class FilterRule(Model):
    """A watched word or linked domain managed by admins, and what it does to content."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(FilterKind, max_length=16)
    pattern = fields.CharField(max_length=100)
    action = fields.CharEnumField(WatchAction, max_length=24, default=WatchAction.REQUIRE_APPROVAL)
    note = fields.CharField(max_length=200, default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="filter_rules", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "moderation_filter_rules"
        ordering = ["kind", "pattern"]
        unique_together = (("kind", "pattern"),)


# --- Moderation log -----------------------------------------------------------------------------


class LogAction(str, Enum):
    RULES_PUBLISHED = "RULES_PUBLISHED"
    JOIN_APPROVED = "JOIN_APPROVED"
    JOIN_REJECTED = "JOIN_REJECTED"
    JOIN_POLICY_CHANGED = "JOIN_POLICY_CHANGED"
    INVITE_REVOKED = "INVITE_REVOKED"
    REPORT_DISMISSED = "REPORT_DISMISSED"
    CONTENT_HIDDEN = "CONTENT_HIDDEN"
    CONTENT_DELETED = "CONTENT_DELETED"
    CONTENT_RESTORED = "CONTENT_RESTORED"
    CONTENT_APPROVED = "CONTENT_APPROVED"
    CONTENT_REJECTED = "CONTENT_REJECTED"
    MEMBER_WARNED = "MEMBER_WARNED"
    MEMBER_MUTED = "MEMBER_MUTED"
    MEMBER_BANNED = "MEMBER_BANNED"
    SANCTION_REVOKED = "SANCTION_REVOKED"
    FILTER_ADDED = "FILTER_ADDED"
    FILTER_REMOVED = "FILTER_REMOVED"
    ANNOUNCEMENT_PUBLISHED = "ANNOUNCEMENT_PUBLISHED"
    SETTINGS_CHANGED = "SETTINGS_CHANGED"
    SPAMMER_REMOVED = "SPAMMER_REMOVED"


class AppendOnlyError(RuntimeError):
    """The moderation log is append-only."""


class _AppendOnlyQuerySet(QuerySet[Any]):
    """Bulk writes through the ORM are refused too, not only `save()` and `delete()`."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Moderation log entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Moderation log entries cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Moderation log entries cannot be changed.")

    def select_for_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Moderation log entries are never locked for change.")


class _AppendOnlyManager(Manager):
    def get_queryset(self) -> QuerySet[Any]:
        return _AppendOnlyQuerySet(self._model)


class ModerationLogEntry(Model):
    """An append-only record of a moderation decision."""

    id = fields.IntField(primary_key=True)
    action = fields.CharEnumField(LogAction, max_length=32)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="moderation_log_entries", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    subject_type = fields.CharField(max_length=32, default="")
    subject_id = fields.IntField(null=True)
    subject_label = fields.CharField(max_length=200, default="")  # shown to staff only
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "moderation_log"
        ordering = ["-created_at", "-id"]
        manager = _AppendOnlyManager()

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise AppendOnlyError("Moderation log entries cannot be changed.")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnlyError("Moderation log entries cannot be deleted.")
