"""Digest mail: once a day or once a week, at DIGEST_HOUR in the member's time zone (or the
community's), the notifications they chose to receive in a digest that are still unread.

Each member's digest for a period is claimed by one conditional update (`digest_period` moves
to the period's key only where it differs) in the same transaction as its outbox row, so with
several processes running the job every member gets at most one digest per period; and
`digest_after_id` moves past what was listed, so nothing is mailed twice.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.domain.mail import links
from api.domain.mail.outbox import enqueue_for
from api.domain.mail.preferences import delivery
from api.models.accounts import User, UserStatus
from api.models.mail import Delivery, Digest, MailPreference
from api.models.notifications import Notification
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

MAX_ITEMS = 30  # listed in one digest; the rest are behind the link
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
    while True:
        prefs = await MailPreference.filter(
            id__gt=last_id, digest__in=[Digest.DAILY, Digest.WEEKLY],
            unsubscribed_at__isnull=True, bounced_at__isnull=True,
        ).order_by("id").limit(BATCH).select_related("user")
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
        unread = await Notification.filter(
            user_id__in=list(due), read_at__isnull=True, id__gt=floor,
        ).order_by("id").only("id", "user_id", "kind", "message")
        items: dict[int, list[Notification]] = {}
        for n in unread:
            pref = due[n.user_id][0]
            if n.id > pref.digest_after_id and delivery(pref, n.kind) == Delivery.DIGEST:
                items.setdefault(n.user_id, []).append(n)
        for user_id, (pref, key) in due.items():
            queued += await _send_one(pref, key, items.get(user_id, []))


async def _send_one(pref: MailPreference, key: str, items: list[Notification]) -> int:
    async with transaction():
        last = max((n.id for n in items), default=pref.digest_after_id)
        claimed = await MailPreference.filter(id=pref.id).exclude(digest_period=key).update(
            digest_period=key, digest_after_id=last)
        if not claimed or not items:  # another process has it, or nothing to tell
            return 0
        shown = items[:MAX_ITEMS]
        await enqueue_for(pref.user, "digest", {
            "period": "daily" if pref.digest == Digest.DAILY else "weekly",
            "count": len(items),
            "items_text": "".join(f"- {_line(n)}\n" for n in shown),
            "items_html": "".join(f"<li>{html.escape(_line(n))}</li>" for n in shown),
            "period_zh": "每日" if pref.digest == Digest.DAILY else "每周",
            "link": links.page("notifications_url"),
        }, bulk=True)
        return 1


async def digest_job(settings: Settings) -> bool:
    """Background job: queue the digests that are due."""
    await send_digests(settings)
    return False
