"""Announcements: notices from staff (and governance outcomes) addressed to everyone, to a role,
to a committee or to a saved segment of members (asked of the growth domain, `SegmentMemberIds`); scheduled by `publish_at`, gone from the default list after `expires_at`,
with per-member read state. Publishing happens exactly once, by the request or the scheduler."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api import text
from api.db import column
from api.domain.moderation.questions import SegmentMemberIds, SegmentsContaining
from api.errors import DomainError, Invalid, NotFound, collect
from api.events import decide
from api.markdown import render_async
from api.models.accounts import Committee, CommitteeMembership, Role, User, UserStatus
from api.models.moderation import Announcement, AnnouncementRead, Audience
from api.pubsub import publish
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

CHANNEL = "announcements"


def _validate_text(title: str, body: str, settings: Settings) -> tuple[str, str, list[DomainError]]:
    errors: list[DomainError] = []
    title = text.line(title, "title", settings.max_title_length, what="a title", errors=errors)
    body = text.block(body, "body", settings.max_body_length, what="the text of the announcement", errors=errors)
    return title, body, errors


async def publish_announcement(
    *,
    author_id: int | None,
    title: str,
    body: str,
    audience: str = "ALL",  # ALL | ROLE | COMMITTEE | SEGMENT
    audience_role: str | None = None,
    committee_id: int | None = None,
    segment_id: int | None = None,
    pinned: bool = False,
    publish_at: datetime | None = None,
    expires_at: datetime | None = None,
    mail: bool = False,
    settings: Settings,
) -> Announcement:
    """Store an announcement and publish it now, or at `publish_at` when that is in the future.
    No permission check: callers decide who may announce."""
    title, body, errors = _validate_text(title, body, settings)
    try:
        kind = Audience(audience)
    except ValueError:
        errors.append(Invalid("Choose ALL, ROLE, COMMITTEE or SEGMENT.", field="audience"))
        kind = None
    if kind is Audience.ROLE:
        if audience_role not in {r.value for r in Role}:
            errors.append(Invalid("Choose the role addressed.", field="audienceRole"))
    elif audience_role is not None:
        audience_role = None  # only meaningful for ROLE
    if kind is Audience.COMMITTEE:
        if committee_id is None:
            errors.append(Invalid("Choose the committee addressed.", field="committeeId"))
    else:
        committee_id = None
    if kind is Audience.SEGMENT:
        if segment_id is None:
            errors.append(Invalid("Choose the segment addressed.", field="audienceSegmentId"))
    else:
        segment_id = None
    moment = now()
    start = publish_at or moment
    if expires_at is not None and expires_at <= max(start, moment):
        errors.append(Invalid("The end must be after the publication.", field="expiresAt"))
    collect(errors)
    if committee_id is not None and not await Committee.filter(id=committee_id).exists():
        raise NotFound("No such committee.", field="committeeId")
    if segment_id is not None and await decide(SegmentMemberIds(segment_id=segment_id), settings) is None:
        raise NotFound("No such segment.", field="audienceSegmentId")
    due = start <= moment
    body_html = await render_async(body)
    async with transaction():
        announcement = await Announcement.create(
            author_id=author_id,
            title=title,
            body=body,
            body_html=body_html,
            audience=kind,
            audience_role=audience_role,
            committee_id=committee_id,
            audience_segment_id=segment_id,
            pinned=pinned,
            mail_audience=mail,
            publish_at=start,
            published_at=moment if due else None,
            expires_at=expires_at,
        )
        if due:
            await _mail_audience(announcement)
            await publish(CHANNEL, {"id": announcement.id})
    return announcement


async def audience_members(announcement: Announcement) -> list[User]:
    """The active members an announcement is addressed to."""
    query = User.filter(status=UserStatus.ACTIVE)
    if announcement.audience == Audience.ROLE:
        floor = Role(announcement.audience_role)
        query = query.filter(role__in=[r.value for r in Role if r.at_least(floor)])
    elif announcement.audience == Audience.COMMITTEE:
        members = CommitteeMembership.filter(committee_id=announcement.committee_id, left_at__isnull=True)
        query = query.filter(id__in=Subquery(members.values("user_id")))
    elif announcement.audience == Audience.SEGMENT:
        # The segment's criteria decide, whatever the lifecycle stage (a segment may address AT_RISK members).
        ids = await decide(SegmentMemberIds(segment_id=announcement.audience_segment_id or 0))
        query = User.filter(id__in=ids or [])
    return await query.only("id", "email", "locale", "display_name", "username")


async def _mail_audience(announcement: Announcement) -> int:
    """Queue the announcement's mail to its audience (inside the publishing transaction)."""
    if not announcement.mail_audience:
        return 0
    from api.domain.mail.links import global_id, page
    from api.domain.mail.outbox import enqueue_many

    context = {
        "title": announcement.title,
        "body": announcement.body,
        "body_html": announcement.body_html,
        "link": page("announcement_url", id=global_id("Announcement", announcement.id)),
    }
    return await enqueue_many(await audience_members(announcement), "announcement", context, bulk=True)


async def publish_due(at: datetime | None = None) -> list[int]:
    """Publish scheduled announcements whose time has come. Each is claimed with a conditional
    update, so with several processes running this, each announcement is published once."""
    at = at or now()
    due = await column(Announcement.filter(published_at__isnull=True, publish_at__lte=at), "id")
    published: list[int] = []
    for announcement_id in due:
        async with transaction():
            claimed = await Announcement.filter(id=announcement_id, published_at__isnull=True).update(published_at=at)
            if claimed:
                published.append(announcement_id)
                await _mail_audience(await Announcement.get(id=announcement_id))
                await publish(CHANNEL, {"id": announcement_id})
    return published


async def publish_due_job(settings: Settings) -> bool:
    """Background job: publish announcements whose time has come (exactly once)."""
    return bool(await publish_due())


async def committee_ids_of(user_id: int) -> list[int]:
    return await column(CommitteeMembership.filter(user_id=user_id, left_at__isnull=True), "committee_id")


async def segments_of(viewer: User | None, memo: dict[Any, Any] | None = None) -> list[int]:
    """The segments addressed by some announcement that the viewer is in now: one query for the
    segments addressed, then the growth domain's answer; read once per operation (`memo`)."""
    if viewer is None:
        return []
    key = ("announcement_segments", viewer.id)
    if memo is not None and key in memo:
        return list(memo[key])
    addressed = await column(
        Announcement.filter(audience=Audience.SEGMENT, audience_segment_id__isnull=False)
        .order_by("audience_segment_id")
        .distinct(),
        "audience_segment_id",
    )
    found = await decide(SegmentsContaining(user_id=viewer.id, segment_ids=tuple(addressed))) if addressed else []
    if memo is not None:
        memo[key] = list(found)
    return list(found)


def audience_filter(viewer: User | None, committee_ids: list[int], segment_ids: Collection[int] = ()) -> Q:
    """Announcements addressed to `viewer`: ALL, ROLE at or below theirs, their committees, their segments."""
    condition = Q(audience=Audience.ALL)
    if viewer is not None:
        roles = [r.value for r in Role if Role(viewer.role).at_least(r)]
        condition |= Q(audience=Audience.ROLE, audience_role__in=roles)
        if committee_ids:
            condition |= Q(audience=Audience.COMMITTEE, committee_id__in=committee_ids)
        if segment_ids:
            condition |= Q(audience=Audience.SEGMENT, audience_segment_id__in=list(segment_ids))
    return condition


def is_addressed(
    announcement: Announcement, viewer: User | None, committee_ids: list[int], segment_ids: Collection[int] = ()
) -> bool:
    if announcement.audience == Audience.ALL:
        return True
    if viewer is None:
        return False
    if announcement.audience == Audience.ROLE:
        return Role(viewer.role).at_least(Role(announcement.audience_role))
    if announcement.audience == Audience.SEGMENT:
        return announcement.audience_segment_id in segment_ids
    return announcement.committee_id in committee_ids


def is_live(announcement: Announcement, at: datetime | None = None) -> bool:
    at = at or now()
    return announcement.published_at is not None and (announcement.expires_at is None or announcement.expires_at > at)


async def visible_announcements(viewer: User | None, *, include_expired: bool = False) -> QuerySet[Announcement]:
    """Published announcements addressed to the viewer, pinned first, newest first."""
    committees = await committee_ids_of(viewer.id) if viewer else []
    segments = await segments_of(viewer)
    query = Announcement.filter(audience_filter(viewer, committees, segments), published_at__isnull=False)
    if not include_expired:
        query = query.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now()))
    return query.order_by("-pinned", "-published_at", "-id")


async def get_visible(viewer: User | None, announcement_id: int) -> Announcement:
    announcement = await Announcement.filter(id=announcement_id, published_at__isnull=False).first()
    committees = await committee_ids_of(viewer.id) if viewer else []
    segments = (
        await segments_of(viewer) if announcement is not None and announcement.audience == Audience.SEGMENT else []
    )
    if announcement is None or not is_addressed(announcement, viewer, committees, segments):
        raise NotFound("No such announcement.", field="announcementId")
    return announcement


async def mark_read(viewer: User, announcement_id: int) -> Announcement:
    """Mark an announcement addressed to the viewer read (idempotent)."""
    announcement = await get_visible(viewer, announcement_id)
    await AnnouncementRead.get_or_create(announcement_id=announcement.id, user_id=viewer.id)
    return announcement


async def unread_count(viewer: User) -> int:
    """Live announcements addressed to the viewer that they have not read."""
    query = await visible_announcements(viewer)
    read = Subquery(AnnouncementRead.filter(user_id=viewer.id).values("announcement_id"))
    return await query.exclude(id__in=read).count()


async def announce(actor: User | None, *, settings: Settings, **fields: object) -> Announcement:
    """Staff publish an announcement (the `publishAnnouncement` mutation); it is logged."""
    from api.domain.moderation import modlog
    from api.models.moderation import LogAction
    from api.policies import require_role

    moderator = require_role(actor, Role.MODERATOR)
    announcement = await publish_announcement(author_id=moderator.id, settings=settings, **fields)  # type: ignore[arg-type]  # the mutation's input fields, passed through
    await modlog.record(
        LogAction.ANNOUNCEMENT_PUBLISHED,
        actor_id=moderator.id,
        subject_type="Announcement",
        subject_id=announcement.id,
        subject_label=announcement.title,
    )
    return announcement
