"""GraphQL enums of moderation, with a description for every value."""

from __future__ import annotations

from api.models import accounts as account_models
from api.models import moderation as models
from schema.enums import described_enum

JoinPolicy = models.JoinPolicy
described_enum(
    JoinPolicy,
    name="JoinPolicy",
    description="How members join the community or a space.",
    values={
        "OPEN": "Anyone may join and post.",
        "APPROVAL": "A moderator approves each join request.",
        "INVITE_ONLY": "Only with an invite code.",
    },
)
JoinRequestStatus = models.JoinRequestStatus
described_enum(
    JoinRequestStatus,
    name="JoinRequestStatus",
    description="Where a join request stands.",
    values={
        "PENDING": "Waiting for a moderator.",
        "APPROVED": "Accepted: the member is admitted.",
        "REJECTED": "Declined, with a reason the applicant sees.",
    },
)
ReportReason = models.ReportReason
described_enum(
    ReportReason,
    name="ReportReason",
    description="Why something is reported.",
    values={
        "SPAM": "Advertising or repeated junk.",
        "ABUSE": "Harassment, insults or hate.",
        "OFF_TOPIC": "Does not belong here.",
        "ILLEGAL": "Breaks the law.",
        "OTHER": "Something else (explain in the note).",
    },
)
ModerationAction = models.ModerationAction
described_enum(
    ModerationAction,
    name="ModerationAction",
    description="How a moderator resolves a report.",
    values={
        "DISMISS": "No rule was broken; nothing changes.",
        "HIDE_CONTENT": "Hide the content (reversible).",
        "DELETE_CONTENT": "Delete the content.",
        "WARN": "Warn the author (or reported member).",
        "MUTE": "Mute the author for `durationHours`.",
        "BAN": "Ban the author for `durationHours`, or permanently without it.",
    },
)
ReviewStatus = models.CaseStatus
described_enum(
    ReviewStatus,
    name="ReviewStatus",
    description="Whether a review item still needs a moderator.",
    values={"OPEN": "Waiting for a moderator.", "RESOLVED": "Decided."},
)
FilterKind = models.FilterKind
described_enum(
    FilterKind,
    name="FilterKind",
    description="What a watched word matches.",
    values={
        "WORD": "A word or phrase: any case or width, alone (Latin) or anywhere (CJK), even spaced out.",
        "LINK": "Links to a domain and its subdomains; `*` matches any link.",
    },
)
WatchAction = models.WatchAction
described_enum(
    WatchAction,
    name="WatchAction",
    description="What a watched word does to content containing it.",
    values={
        "BLOCK": "The content is refused, with an error on the field.",
        "CENSOR": "The match is replaced in what members see.",
        "REQUIRE_APPROVAL": "The content is held until a moderator approves it.",
        "FLAG": "The content is published and put in the review queue.",
    },
)
LogAction = models.LogAction
described_enum(
    LogAction,
    name="ModerationLogAction",
    description="A kind of moderation decision.",
    values={
        "RULES_PUBLISHED": "A new version of the community rules.",
        "JOIN_APPROVED": "A join request was approved.",
        "JOIN_REJECTED": "A join request was declined.",
        "JOIN_POLICY_CHANGED": "A space's join policy changed.",
        "INVITE_REVOKED": "Staff revoked a member's invite.",
        "REPORT_DISMISSED": "Reports were dismissed.",
        "CONTENT_HIDDEN": "Content was hidden.",
        "CONTENT_DELETED": "Content was deleted.",
        "CONTENT_RESTORED": "Hidden content was shown again.",
        "CONTENT_APPROVED": "Held content was approved.",
        "CONTENT_REJECTED": "Held content was rejected.",
        "MEMBER_WARNED": "A member was warned.",
        "MEMBER_MUTED": "A member was muted.",
        "MEMBER_BANNED": "A member was banned.",
        "SANCTION_REVOKED": "A sanction was lifted.",
        "FILTER_ADDED": "A pre-moderation rule was added.",
        "FILTER_REMOVED": "A pre-moderation rule was removed.",
        "ANNOUNCEMENT_PUBLISHED": "An announcement was published.",
        "SETTINGS_CHANGED": "An admin changed community settings.",
        "SPAMMER_REMOVED": "A member was removed as a spammer: content deleted, points taken back, banned.",
    },
)
SanctionKind = account_models.SanctionKind
described_enum(
    SanctionKind,
    name="SanctionKind",
    description="A moderator's sanction.",
    values={
        "WARNING": "A recorded warning; restricts nothing.",
        "MUTE": "Cannot post, react, vote or message until it ends.",
        "BAN": "Cannot sign in; tokens stop working at once.",
    },
)
Audience = models.Audience
described_enum(
    Audience,
    name="AnnouncementAudience",
    description="Who an announcement is addressed to.",
    values={
        "ALL": "Everyone.",
        "ROLE": "Members holding `audienceRole` or a higher role.",
        "COMMITTEE": "Current members of one committee.",
        "SEGMENT": "Members a saved segment (`audienceSegmentId`) matches when it is read or published.",
    },
)
