"""Who may see what in moderation: one rule per node type (declared in the manifest).

The review queue, its items and filter rules are staff's; a report is its reporter's and staff's;
sanctions the sanctioned member's and staff's; join requests their applicant's; invites their
creator's; referrals both members'. Announcements are seen once published by their audience
(everyone, a role and those above it, a committee's members, or a saved segment's members), and by staff from the start.
The rules and the moderation log are public (the log names moderators only as the
MODERATION_LOG_SHOWS_MODERATOR setting says).
"""

from __future__ import annotations

from typing import Any

from tortoise.queryset import QuerySet

from api.models.accounts import Sanction, User
from api.models.moderation import (
    Announcement,
    Audience,
    FilterRule,
    Invite,
    JoinRequest,
    ModerationLogEntry,
    Referral,
    Report,
    ReviewItem,
    RulesVersion,
)
from api.policies import committee_seats, is_staff
from api.policy import ReadPolicy, everyone, owner_or_staff, staff_only


async def visible_announcements(viewer: User | None, memo: dict[str, Any]) -> QuerySet[Announcement]:
    from api.domain.moderation.announcements import audience_filter, segments_of

    if is_staff(viewer):
        return Announcement.all()
    seats = list(await committee_seats(viewer, memo))
    segments = await segments_of(viewer, memo)
    return Announcement.filter(audience_filter(viewer, seats, segments), published_at__isnull=False)


async def filter_announcements(
    viewer: User | None, rows: list[Announcement], memo: dict[str, Any]
) -> list[Announcement]:
    from api.domain.moderation.announcements import is_addressed, segments_of

    if is_staff(viewer):
        return rows
    seats = list(await committee_seats(viewer, memo))
    segments = await segments_of(viewer, memo) if any(r.audience == Audience.SEGMENT for r in rows) else []
    return [r for r in rows if r.published_at is not None and is_addressed(r, viewer, seats, segments)]


READ_POLICIES = (
    staff_only(ReviewItem),
    staff_only(FilterRule),
    owner_or_staff(Report, "reporter_id"),
    owner_or_staff(Sanction),
    owner_or_staff(JoinRequest),
    owner_or_staff(Invite, "created_by_id"),
    owner_or_staff(Referral, "inviter_id", "invitee_id"),
    ReadPolicy(
        Announcement,
        visible_announcements,
        filter_announcements,
        "Published, to its audience (everyone, a role and those above it, a committee, a segment); staff always.",
    ),
    everyone(RulesVersion),
    everyone(ModerationLogEntry),
)
