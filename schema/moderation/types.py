"""GraphQL types of moderation: rules, admission, invites, the review queue, sanctions,
filter rules, the moderation log and announcements. Related objects load through DataLoaders."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from api.domain.content import ContentRef
from api.domain.moderation import modlog
from api.domain.moderation.announcements import committee_ids_of, is_addressed
from api.domain.moderation.reports import load_subjects
from api.models import accounts as account_models
from api.models import moderation as models
from api.policies import is_staff, sanction_active
from schema.accounts import User
from schema.context import Info
from schema.enums import described_enum
from schema.relay import After, Before, Connection, First, Last, ModelNode, node_global_id, paginate_list

# --- enums -----------------------------------------------------------------------------------

JoinPolicy = described_enum(
    models.JoinPolicy, name="JoinPolicy", description="How members join the community or a space.",
    values={
        "OPEN": "Anyone may join and post.",
        "APPROVAL": "A moderator approves each join request.",
        "INVITE_ONLY": "Only with an invite code.",
    },
)
JoinRequestStatus = described_enum(
    models.JoinRequestStatus, name="JoinRequestStatus", description="Where a join request stands.",
    values={"PENDING": "Waiting for a moderator.", "APPROVED": "Accepted: the member is admitted.",
            "REJECTED": "Declined, with a reason the applicant sees."},
)
ReportReason = described_enum(
    models.ReportReason, name="ReportReason", description="Why something is reported.",
    values={"SPAM": "Advertising or repeated junk.", "ABUSE": "Harassment, insults or hate.",
            "OFF_TOPIC": "Does not belong here.", "ILLEGAL": "Breaks the law.",
            "OTHER": "Something else (explain in the note)."},
)
ModerationAction = described_enum(
    models.ModerationAction, name="ModerationAction", description="How a moderator resolves a report.",
    values={"DISMISS": "No rule was broken; nothing changes.", "HIDE_CONTENT": "Hide the content (reversible).",
            "DELETE_CONTENT": "Delete the content.", "WARN": "Warn the author (or reported member).",
            "MUTE": "Mute the author for `durationHours`.",
            "BAN": "Ban the author for `durationHours`, or permanently without it."},
)
ReviewStatus = described_enum(
    models.CaseStatus, name="ReviewStatus", description="Whether a review item still needs a moderator.",
    values={"OPEN": "Waiting for a moderator.", "RESOLVED": "Decided."},
)
FilterKind = described_enum(
    models.FilterKind, name="FilterKind", description="What a pre-moderation rule matches.",
    values={"WORD": "A word or phrase, case-insensitive, on word boundaries.",
            "LINK": "Links to a domain and its subdomains; `*` matches any link."},
)
LogAction = described_enum(
    models.LogAction, name="ModerationLogAction", description="A kind of moderation decision.",
    values={
        "RULES_PUBLISHED": "A new version of the community rules.",
        "JOIN_APPROVED": "A join request was approved.", "JOIN_REJECTED": "A join request was declined.",
        "JOIN_POLICY_CHANGED": "A space's join policy changed.",
        "INVITE_REVOKED": "Staff revoked a member's invite.",
        "REPORT_DISMISSED": "Reports were dismissed.", "CONTENT_HIDDEN": "Content was hidden.",
        "CONTENT_DELETED": "Content was deleted.", "CONTENT_RESTORED": "Hidden content was shown again.",
        "CONTENT_APPROVED": "Held content was approved.",
        "CONTENT_REJECTED": "Held content was rejected.", "MEMBER_WARNED": "A member was warned.",
        "MEMBER_MUTED": "A member was muted.", "MEMBER_BANNED": "A member was banned.",
        "SANCTION_REVOKED": "A sanction was lifted.", "FILTER_ADDED": "A pre-moderation rule was added.",
        "FILTER_REMOVED": "A pre-moderation rule was removed.",
        "ANNOUNCEMENT_PUBLISHED": "An announcement was published.",
    },
)
SanctionKind = described_enum(
    account_models.SanctionKind, name="SanctionKind", description="A moderator's sanction.",
    values={"WARNING": "A recorded warning; restricts nothing.",
            "MUTE": "Cannot post, react, vote or message until it ends.",
            "BAN": "Cannot sign in; tokens stop working at once."},
)
Audience = described_enum(
    models.Audience, name="AnnouncementAudience", description="Who an announcement is addressed to.",
    values={"ALL": "Everyone.", "ROLE": "Members holding `audienceRole` or a higher role.",
            "COMMITTEE": "Current members of one committee."},
)


# --- helpers ---------------------------------------------------------------------------------


async def _user(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return await info.context.loaders.by_id(account_models.User).load(user_id)


def _subject_loader(info: Info):
    async def batch(keys: list[tuple[str, int]]) -> list[ContentRef | None]:
        found = await load_subjects(list(set(keys)))
        return [found.get(key) for key in keys]

    return info.context.loaders.custom("moderation.subjects", batch)


def _global_id(type_name: str, pk: int | None) -> strawberry.ID | None:
    if not type_name or pk is None:
        return None
    return strawberry.ID(node_global_id(type_name, pk))


# --- rules -----------------------------------------------------------------------------------


@strawberry.type(name="CommunityRules", description="One version of the community charter.")
class CommunityRules(ModelNode):
    model = models.RulesVersion

    id: relay.NodeID[int]
    version: int = strawberry.field(description="1 for the first version, then 2, 3...")
    body: str = strawberry.field(description="The rules as Markdown.")
    body_html: str = strawberry.field(description="The rules rendered to sanitized HTML.")
    change_note: str = strawberry.field(description="What changed since the previous version.")
    created_at: datetime = strawberry.field(description="When this version was published.")

    @strawberry.field(description="Whether the viewer has accepted this version.")
    async def accepted_by_viewer(self, info: Info) -> bool:
        viewer = info.context.viewer
        if viewer is None:
            return False

        async def batch(ids: list[int]) -> list[bool]:
            accepted = set(await models.RulesAcceptance.filter(user_id=viewer.id, rules_id__in=ids)
                           .values_list("rules_id", flat=True))
            return [i in accepted for i in ids]

        return await info.context.loaders.custom("moderation.rules_accepted", batch).load(self.id)


# --- admission -------------------------------------------------------------------------------


@strawberry.type(description="A member's request to join the community or a space.")
class JoinRequest(ModelNode):
    model = models.JoinRequest

    id: relay.NodeID[int]
    message: str = strawberry.field(description="What the applicant wrote.")
    status: JoinRequestStatus = strawberry.field(description="Pending, approved or rejected.")
    decision_reason: str = strawberry.field(description="The moderator's reason, shown to the applicant.")
    created_at: datetime = strawberry.field(description="When it was made.")
    decided_at: datetime | None = strawberry.field(description="When a moderator decided.")

    @strawberry.field(description="Global id of the space asked for; null for the community.")
    def space_id(self) -> strawberry.ID | None:
        return _global_id("Space", self.space_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Who asked.")
    async def applicant(self, info: Info) -> User | None:
        return await _user(info, self.user_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The moderator who decided (staff only).")
    async def decided_by(self, info: Info) -> User | None:
        if not is_staff(info.context.viewer):
            return None
        return await _user(info, self.decided_by_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        viewer = info.context.viewer
        return [r for r in rows if viewer is not None and (is_staff(viewer) or r.user_id == viewer.id)]


@strawberry.type(description="An invite code's record (the code itself is shown only once, on creation).")
class Invite(ModelNode):
    model = models.Invite

    id: relay.NodeID[int]
    code_hint: str = strawberry.field(description="The first characters of the code, to recognise it.")
    role: str | None = strawberry.field(description="Role granted on registration (MODERATOR or ADMIN), if any.")
    max_uses: int = strawberry.field(description="How many people it may admit.")
    uses: int = strawberry.field(description="How many it has admitted.")
    expires_at: datetime = strawberry.field(description="When it stops working.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if it was.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @strawberry.field(description="Global id of the space it also admits to, if any.")
    def space_id(self) -> strawberry.ID | None:
        return _global_id("Space", self.space_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Whether it can still be used.")
    def usable(self) -> bool:
        from api.timeutil import now

        return self.revoked_at is None and self.uses < self.max_uses and self.expires_at > now()

    @strawberry.field(description="Who created it.")
    async def created_by(self, info: Info) -> User | None:
        return await _user(info, self.created_by_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        viewer = info.context.viewer
        return [r for r in rows if viewer is not None and (is_staff(viewer) or r.created_by_id == viewer.id)]


@strawberry.type(description="Who invited whom.")
class Referral(ModelNode):
    model = models.Referral

    id: relay.NodeID[int]
    created_at: datetime = strawberry.field(description="When the invitee used the invite.")

    @strawberry.field(description="The member who invited.")
    async def inviter(self, info: Info) -> User | None:
        return await _user(info, self.inviter_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The member who came in.")
    async def invitee(self, info: Info) -> User | None:
        return await _user(info, self.invitee_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        viewer = info.context.viewer
        return [r for r in rows if viewer is not None
                and (is_staff(viewer) or viewer.id in (r.inviter_id, r.invitee_id))]


# --- reports and the queue ---------------------------------------------------------------------


@strawberry.type(description="A member's report on content or on another member.")
class Report(ModelNode):
    model = models.Report

    id: relay.NodeID[int]
    subject_type: str = strawberry.field(description="GraphQL type of what was reported.")
    reason: ReportReason = strawberry.field(description="Why it was reported.")
    note: str = strawberry.field(description="The reporter's explanation.")
    outcome: ModerationAction | None = strawberry.field(description="How moderators resolved it, once they did.")
    created_at: datetime = strawberry.field(description="When it was made.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved.")

    @strawberry.field(description="Global id of what was reported.")
    def subject_id(self) -> strawberry.ID:
        return _global_id(self.subject_type, self.subject_id)  # type: ignore[arg-type, attr-defined, return-value]

    @strawberry.field(description="Who reported it (staff and the reporter only).")
    async def reporter(self, info: Info) -> User | None:
        viewer = info.context.viewer
        if viewer is None or not (is_staff(viewer) or viewer.id == self.reporter_id):  # type: ignore[attr-defined]
            return None
        return await _user(info, self.reporter_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        viewer = info.context.viewer
        return [r for r in rows if viewer is not None and (is_staff(viewer) or r.reporter_id == viewer.id)]


@strawberry.type(description="What a review item is about, as moderation sees it.")
class ReviewSubject:
    title: str = strawberry.field(description="A short label: title, excerpt or username.")
    text: str = strawberry.field(description="The body as written (or the member's bio).")
    hidden: bool = strawberry.field(description="Whether it is hidden now.")
    deleted: bool = strawberry.field(description="Whether it is deleted now.")
    held: bool = strawberry.field(description="Whether it waits for pre-moderation.")


@strawberry.type(description="A subject in the review queue: reported content or member, or held content.")
class ReviewItem(ModelNode):
    model = models.ReviewItem

    id: relay.NodeID[int]
    subject_type: str = strawberry.field(description="GraphQL type of the subject: Topic, Post, User...")
    status: ReviewStatus = strawberry.field(description="Open or resolved.")
    held: bool = strawberry.field(description="Held by pre-moderation: approve or reject it.")
    hold_reason: str = strawberry.field(description="Why it was held.")
    report_count: int = strawberry.field(description="How many reports it gathered.")
    last_reported_at: datetime | None = strawberry.field(description="When it was last reported.")
    action: ModerationAction | None = strawberry.field(description="The action that resolved the reports.")
    resolution: str = strawberry.field(description="APPROVED or REJECTED for held content.")
    resolution_reason: str = strawberry.field(description="The moderator's reason.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved.")
    created_at: datetime = strawberry.field(description="When it entered the queue.")

    @strawberry.field(description="Global id of the subject.")
    def subject_id(self) -> strawberry.ID:
        return _global_id(self.subject_type, self.subject_id)  # type: ignore[arg-type, attr-defined, return-value]

    @strawberry.field(description="The subject as it is now (null if it is gone).")
    async def subject(self, info: Info) -> ReviewSubject | None:
        ref = await _subject_loader(info).load((self.subject_type, self.subject_id))  # type: ignore[attr-defined]
        if ref is None:
            return None
        return ReviewSubject(title=ref.title, text=ref.text, hidden=ref.hidden, deleted=ref.deleted, held=ref.held)

    @strawberry.field(description="The author of the content (or the reported member).")
    async def author(self, info: Info) -> User | None:
        return await _user(info, self.subject_author_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The reports on this item, newest first.")
    async def reports(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[Report]:
        loader = info.context.loaders.many(models.Report, "item_id", order_by=("-created_at", "-id"))
        return paginate_list(info, await loader.load(self.id), first=first, after=after, last=last, before=before)

    @strawberry.field(description="The moderator who resolved it.")
    async def resolved_by(self, info: Info) -> User | None:
        return await _user(info, self.resolved_by_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        return rows if is_staff(info.context.viewer) else []


@strawberry.type(description="A pre-moderation rule: matching content is held for review.")
class FilterRule(ModelNode):
    model = models.FilterRule

    id: relay.NodeID[int]
    kind: FilterKind = strawberry.field(description="Word or link rule.")
    pattern: str = strawberry.field(description="The word, phrase or domain (lower-case).")
    note: str = strawberry.field(description="Why the rule exists.")
    created_at: datetime = strawberry.field(description="When it was added.")

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        return rows if is_staff(info.context.viewer) else []


# --- sanctions -------------------------------------------------------------------------------


@strawberry.type(description="A warning, mute or ban given to a member.")
class Sanction(ModelNode):
    model = account_models.Sanction

    id: relay.NodeID[int]
    kind: SanctionKind = strawberry.field(description="Warning, mute or ban.")
    reason: str = strawberry.field(description="Why it was given.")
    created_at: datetime = strawberry.field(description="When it was given.")
    ends_at: datetime | None = strawberry.field(description="When it ends by itself; null: permanent (or a warning).")
    revoked_at: datetime | None = strawberry.field(description="When a moderator lifted it early.")

    @strawberry.field(description="Whether it is in force now.")
    def active(self) -> bool:
        return sanction_active(self)  # type: ignore[arg-type]

    @strawberry.field(description="The sanctioned member.")
    async def member(self, info: Info) -> User | None:
        return await _user(info, self.user_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The moderator who gave it (staff only).")
    async def given_by(self, info: Info) -> User | None:
        if not is_staff(info.context.viewer):
            return None
        return await _user(info, self.created_by_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        viewer = info.context.viewer
        return [r for r in rows if viewer is not None and (is_staff(viewer) or r.user_id == viewer.id)]


# --- the log ---------------------------------------------------------------------------------


@strawberry.type(description="A moderation decision, as recorded (append-only).")
class ModerationLogEntry(ModelNode):
    model = models.ModerationLogEntry

    id: relay.NodeID[int]
    action: LogAction = strawberry.field(description="What was decided.")
    subject_type: str = strawberry.field(description="GraphQL type of what it concerned.")
    reason: str = strawberry.field(description="The stated reason.")
    created_at: datetime = strawberry.field(description="When.")

    @strawberry.field(description="Global id of what it concerned, if any.")
    def subject_id(self) -> strawberry.ID | None:
        return _global_id(self.subject_type, self.subject_id)  # type: ignore[attr-defined]

    @strawberry.field(description="A label of the subject at the time (staff only).")
    def subject_label(self, info: Info) -> str | None:
        return self.subject_label if is_staff(info.context.viewer) else None  # type: ignore[attr-defined]

    @strawberry.field(description="The acting moderator: shown to staff, and to members when the community "
                                  "setting MODERATION_LOG_SHOWS_MODERATOR is on.")
    async def moderator(self, info: Info) -> User | None:
        if not modlog.shows_actor(info.context.viewer):
            return None
        return await _user(info, self.actor_id)  # type: ignore[attr-defined]


# --- announcements ---------------------------------------------------------------------------


@strawberry.type(description="A notice from staff, addressed to everyone, a role or a committee.")
class Announcement(ModelNode):
    model = models.Announcement

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Headline.")
    body: str = strawberry.field(description="The text as Markdown.")
    body_html: str = strawberry.field(description="The text rendered to sanitized HTML.")
    audience: Audience = strawberry.field(description="Who it is addressed to.")
    audience_role: str | None = strawberry.field(description="The role addressed (audience ROLE).")
    pinned: bool = strawberry.field(description="Listed before the others.")
    publish_at: datetime = strawberry.field(description="When it is (or was) due to appear.")
    published_at: datetime | None = strawberry.field(description="When it appeared; null while scheduled.")
    expires_at: datetime | None = strawberry.field(description="When it leaves the default list.")
    created_at: datetime = strawberry.field(description="When it was written.")

    @strawberry.field(description="Global id of the committee addressed (audience COMMITTEE).")
    def committee_id(self) -> strawberry.ID | None:
        return _global_id("Committee", self.committee_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Who published it (null for automatic announcements).")
    async def author(self, info: Info) -> User | None:
        return await _user(info, self.author_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Whether the viewer has marked it read.")
    async def read_by_viewer(self, info: Info) -> bool:
        viewer = info.context.viewer
        if viewer is None:
            return False

        async def batch(ids: list[int]) -> list[bool]:
            read = set(await models.AnnouncementRead.filter(user_id=viewer.id, announcement_id__in=ids)
                       .values_list("announcement_id", flat=True))
            return [i in read for i in ids]

        return await info.context.loaders.custom("moderation.announcement_read", batch).load(self.id)

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        viewer = info.context.viewer
        if is_staff(viewer):
            return rows
        committees = await viewer_committees(info)
        return [r for r in rows if r.published_at is not None and is_addressed(r, viewer, committees)]


async def viewer_committees(info: Info) -> list[int]:
    """The viewer's current committee ids, once per request."""
    memo = info.context.memo
    if "committee_ids" not in memo:
        viewer = info.context.viewer
        memo["committee_ids"] = await committee_ids_of(viewer.id) if viewer else []
    return memo["committee_ids"]
