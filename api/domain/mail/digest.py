"""Digest mail: once a day or once a week, at DIGEST_HOUR in the member's time zone (or the
community's): the notifications they chose to receive in a digest that are still unread, the
announcements addressed to them since the last digest, the open proposals they may vote on and
have not, the events they signed up for in the
coming week, and the community's popular topics.

Each member's digest for a period is claimed by one conditional update (`digest_period` moves
to the period's key only where it differs) in the same transaction as its outbox row, so with
several processes running the job every member gets at most one digest per period; and
`digest_after_id` moves past what was listed, so nothing is mailed twice.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.expressions import Q

from api.domain.mail import links
from api.domain.mail.outbox import enqueue_for
from api.domain.mail.preferences import delivery
from api.domain.mail.templates import locale_of
from api.models.accounts import User, UserStatus
from api.models.mail import Delivery, Digest, MailPreference
from api.models.notifications import Notification
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

MAX_ITEMS = 30  # notifications listed in one digest; the rest are behind the link
TOP_TOPICS = 5
BATCH = 500


def period_key(digest: Digest, local: datetime, hour: int) -> str | None:
    """The period a digest sent at local time `local` belongs to, or None before it is due
    (daily: from `hour` each day; weekly: from `hour` each Monday, for the rest of that week)."""
    if digest == Digest.DAILY:
        return f"D{local.date().isoformat()}" if local.hour >= hour else None
    if digest == Digest.WEEKLY:
        monday = (local - timedelta(days=local.weekday())).replace(hour=hour, minute=0, second=0, microsecond=0)
        if local < monday:
            return None
        year, week, _ = local.isocalendar()
        return f"W{year}-{week:02d}"
    return None


def _zone(name: str, fallback: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


async def _ensure_rows() -> None:
    """Members who never chose get a row of defaults (weekly), which the claims need."""
    missing = await User.filter(status=UserStatus.ACTIVE, mail_preference__id__isnull=True).values_list("id", flat=True)
    if missing:
        await MailPreference.bulk_create([MailPreference(user_id=i) for i in missing], ignore_conflicts=True)


def _line(n: Notification) -> str:
    text = (n.message or n.kind).splitlines()[0] if (n.message or n.kind).strip() else n.kind
    return text[:200]


async def send_digests(settings: Settings, *, moment: datetime | None = None) -> int:
    """Queue the digests due now; returns how many were queued."""
    moment = moment or now()
    await _ensure_rows()
    queued = 0
    last_id = 0
    memo: dict[Digest, list[Any]] = {}  # popular topics per rhythm, read once per run
    while True:
        prefs = (
            await MailPreference.filter(
                id__gt=last_id,
                digest__in=[Digest.DAILY, Digest.WEEKLY],
                unsubscribed_at__isnull=True,
                bounced_at__isnull=True,
            )
            .order_by("id")
            .limit(BATCH)
            .select_related("user")
        )
        if not prefs:
            return queued
        last_id = prefs[-1].id
        due: dict[int, tuple[MailPreference, str]] = {}
        for pref in prefs:
            if pref.user.status != UserStatus.ACTIVE:
                continue
            local = moment.astimezone(_zone(pref.timezone, settings.community_timezone))
            key = period_key(pref.digest, local, settings.digest_hour)
            if key and key != pref.digest_period:
                due[pref.user_id] = (pref, key)
        if not due:
            continue
        floor = min(p.digest_after_id for p, _ in due.values())
        unread = (
            await Notification.filter(
                user_id__in=list(due),
                read_at__isnull=True,
                id__gt=floor,
            )
            .order_by("id")
            .only("id", "user_id", "kind", "message")
        )
        items: dict[int, list[Notification]] = {}
        for n in unread:
            pref = due[n.user_id][0]
            if n.id > pref.digest_after_id and delivery(pref, n.kind) == Delivery.DIGEST:
                items.setdefault(n.user_id, []).append(n)
        events = await upcoming_events(list(due), moment)
        news = await new_announcements([p for p, _ in due.values()], moment)
        votes = await open_votes(list(due), moment)
        for user_id, (pref, key) in due.items():
            topics = await popular_topics(settings, pref.digest, moment, memo)
            sections = _sections(
                settings,
                pref,
                items.get(user_id, []),
                news.get(user_id, []),
                votes.get(user_id, []),
                events.get(user_id, []),
                topics,
            )
            queued += await _send_one(pref, key, items.get(user_id, []), sections, moment)


HEADINGS = {
    "en": ("Your notifications", "Announcements", "Open votes", "Your upcoming events", "Popular topics"),
    "zh-CN": ("您的通知", "公告", "待您投票的提案", "您报名的活动", "热门话题"),
}


def _sections(
    settings: Settings,
    pref: MailPreference,
    notes: list[Notification],
    news: list[Any],
    votes: list[Any],
    events: list[Any],
    topics: list[Any],
) -> dict[str, str]:
    """The digest's body as text and HTML: unread notifications, the member's upcoming events,
    the community's popular topics (each section only when it has something)."""
    headings = HEADINGS[locale_of(settings, pref.user.locale)]
    parts: list[tuple[str, list[tuple[str, str | None]]]] = [
        (headings[0], [(_line(n), None) for n in notes[:MAX_ITEMS]]),
        (
            headings[1],
            [
                (a.title, links.frontend(settings, settings.announcement_url, id=links.global_id("Announcement", a.id)))
                for a in news
            ],
        ),
        (
            headings[2],
            [
                (p.title, links.frontend(settings, settings.proposal_url, id=links.global_id("Proposal", p.id)))
                for p in votes
            ],
        ),
        (headings[3], [(f"{e.title} ({e.starts_at:%Y-%m-%d %H:%M} UTC)", None) for e in events]),
        (
            headings[4],
            [
                (t.title, links.frontend(settings, settings.topic_url, id=links.global_id("Topic", t.id)))
                for t in topics
            ],
        ),
    ]
    text, page = [], []
    for heading, lines in parts:
        if not lines:
            continue
        text.append(f"{heading}\n" + "".join(f"- {line}" + (f" <{url}>" if url else "") + "\n" for line, url in lines))
        page.append(
            f'<h2 style="font-size: 1.1em">{html.escape(heading)}</h2><ul>'
            + "".join(
                f'<li><a href="{html.escape(url, quote=True)}">{html.escape(line)}</a></li>'
                if url
                else f"<li>{html.escape(line)}</li>"
                for line, url in lines
            )
            + "</ul>"
        )
    return {"sections_text": "\n".join(text), "sections_html": "".join(page)}


async def new_announcements(prefs: list[MailPreference], moment: datetime) -> dict[int, list[Any]]:
    """Announcements published since each member's last digest (a week back at most) and
    addressed to them, in two queries for the batch (and one answer per segment addressed)."""
    from api.domain.moderation.announcements import is_addressed
    from api.domain.moderation.questions import SegmentMemberIds
    from api.events import decide
    from api.models.accounts import CommitteeMembership
    from api.models.moderation import Announcement

    since = {p.user_id: max(p.digest_sent_at or moment - timedelta(days=7), moment - timedelta(days=7)) for p in prefs}
    found: dict[int, list[Any]] = {}
    if not since:
        return found
    published = (
        await Announcement.filter(published_at__gt=min(since.values()), published_at__lte=moment)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=moment))
        .order_by("-pinned", "-published_at")
    )
    if not published:
        return found
    seats: dict[int, list[int]] = {}
    for user_id, committee_id in await CommitteeMembership.filter(
        user_id__in=list(since), left_at__isnull=True
    ).values_list("user_id", "committee_id"):
        seats.setdefault(user_id, []).append(committee_id)
    # Segments addressed: one answer from the growth domain per segment, for the whole batch.
    segment_members: dict[int, set[int]] = {}
    for segment_id in {a.audience_segment_id for a in published if a.audience_segment_id is not None}:
        ids: list[int] | None = await decide(SegmentMemberIds(segment_id=segment_id))
        segment_members[segment_id] = set(ids or [])
    for pref in prefs:
        segments = [s for s, members in segment_members.items() if pref.user_id in members]
        found[pref.user_id] = [
            a
            for a in published
            if (a.published_at or moment) > since[pref.user_id]
            and is_addressed(a, pref.user, seats.get(pref.user_id, []), segments)
        ][:MAX_ITEMS]
    return found


async def open_votes(user_ids: list[int], moment: datetime) -> dict[int, list[Any]]:
    """Open proposals each member may vote on and has not voted on yet, in two queries."""
    from api.models.governance import Ballot, EligibleVoter, ProposalStatus

    rows = (
        await EligibleVoter.filter(user_id__in=user_ids, proposal__status=ProposalStatus.OPEN)
        .filter(Q(proposal__closes_at__isnull=True) | Q(proposal__closes_at__gt=moment))
        .select_related("proposal")
    )
    if not rows:
        return {}
    voted = set(
        await Ballot.filter(voter_id__in=user_ids, proposal_id__in={r.proposal_id for r in rows}).values_list(
            "voter_id", "proposal_id"
        )
    )
    found: dict[int, list[Any]] = {}
    for row in rows:
        if (row.user_id, row.proposal_id) not in voted:
            found.setdefault(row.user_id, []).append(row.proposal)
    return found


async def upcoming_events(user_ids: list[int], moment: datetime) -> dict[int, list[Any]]:
    """Events in the coming week each member signed up for (GOING), in one query."""
    from api.models.engagement import Rsvp, RsvpStatus

    rows = (
        await Rsvp.filter(
            user_id__in=user_ids,
            status=RsvpStatus.GOING,
            event__cancelled_at__isnull=True,
            event__starts_at__gt=moment,
            event__starts_at__lte=moment + timedelta(days=7),
        )
        .select_related("event")
        .order_by("event__starts_at")
    )
    found: dict[int, list[Any]] = {}
    for rsvp in rows:
        found.setdefault(rsvp.user_id, []).append(rsvp.event)
    return found


async def popular_topics(
    settings: Settings, digest: Digest, moment: datetime, memo: dict[Digest, list[Any]]
) -> list[Any]:
    """The hottest topics active in the period that anyone may read (the forum's read policy
    for anonymous visitors), computed once per run and rhythm."""
    if digest in memo:
        return memo[digest]
    from api.models.forum import Topic
    from api.policy import visible, visible_rows

    since = moment - (timedelta(days=1) if digest == Digest.DAILY else timedelta(days=7))
    query = (await visible(Topic, None)).filter(last_activity_at__gte=since).order_by("-hot", "-id")
    topics: list[Any] = await visible_rows(None, list(await query.limit(TOP_TOPICS)))
    memo[digest] = topics
    return topics


async def _send_one(
    pref: MailPreference, key: str, items: list[Notification], sections: dict[str, str], moment: datetime
) -> int:
    async with transaction():
        last = max((n.id for n in items), default=pref.digest_after_id)
        claimed = (
            await MailPreference.filter(id=pref.id)
            .exclude(digest_period=key)
            .update(digest_period=key, digest_after_id=last, digest_sent_at=moment)
        )
        if not claimed or not sections["sections_text"]:  # another process has it, or nothing to tell
            return 0
        await enqueue_for(
            pref.user,
            "digest",
            {
                "period": "daily" if pref.digest == Digest.DAILY else "weekly",
                "period_zh": "每日" if pref.digest == Digest.DAILY else "每周",
                "count": len(items),
                **sections,
                "link": links.page("notifications_url"),
            },
            bulk=True,
        )
        return 1


async def digest_job(settings: Settings) -> bool:
    """Background job: queue the digests that are due."""
    await send_digests(settings)
    return False
