"""Notifications: stored per member and pushed to the `notificationAdded` subscription."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from api.db import fetch_all
from api.domain.mail.preferences import enqueue_many_notifications, mail_notification, mailed_at_once, reply_subject
from api.models.accounts import User
from api.models.mail import MailPreference
from api.models.notifications import Notification
from api.pubsub import publish
from api.timeutil import now


def channel_for(user_id: int) -> str:
    return f"notifications:{user_id}"


async def notify(
    user_id: int,
    kind: str,
    *,
    actor_id: int | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Store a notification and announce it. Members are never notified of their own acts."""
    if actor_id is not None and actor_id == user_id:
        return None
    notification = await Notification.create(
        user_id=user_id,
        kind=kind,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        message=message,
        data=data or {},
    )
    await mail_notification(notification)  # mailed at once if the member chose so (same transaction)
    await publish(channel_for(user_id), {"id": notification.id})
    return notification


BATCH = 500  # members per INSERT of `notify_many`


async def notify_many(
    user_ids: Iterable[int],
    kind: str,
    *,
    actor_id: int | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    subject_is_member: bool = False,
    subject_of: Mapping[int, int] | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> int:
    """The same notification to many members, at a fixed number of queries per `BATCH` members
    (one preferences read, one INSERT of the notifications, one of the members' addresses and one
    of their mail when any is mailed at once), then announced to each. As `notify`: the actor is
    never notified of their own act. `subject_is_member`: each notification is about its member
    (`subject_id` is the member's id: a tier change); `subject_of`: each member's own subject id
    (a referral's inviter: their invitee). With either, mails carry no reply address (it is made
    from the one shared subject), so use them for subjects that take no reply by mail (members).
    Returns how many were stored."""
    ids = sorted({int(u) for u in user_ids} - ({actor_id} if actor_id is not None else set()))
    sent = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        prefs = {p.user_id: p for p in await MailPreference.filter(user_id__in=chunk)}
        moment = now()
        payload = json.dumps(data or {})
        rows = await fetch_all(
            "INSERT INTO notifications (user_id, kind, actor_id, subject_type, subject_id, message, data, created_at) "
            "VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk)) + " RETURNING id, user_id",
            [
                value
                for user_id in chunk
                for value in (
                    user_id,
                    kind,
                    actor_id,
                    subject_type,
                    user_id if subject_is_member else subject_of[user_id] if subject_of else subject_id,
                    message,
                    payload,
                    moment,
                )
            ],
        )
        stored = {int(r["user_id"]): int(r["id"]) for r in rows}
        sent += len(stored)
        mailed = [u for u in stored if mailed_at_once(prefs.get(u), kind)]
        if mailed:
            sample = Notification(
                id=0, user_id=0, kind=kind, subject_type=subject_type, subject_id=subject_id, message=message
            )
            users = await User.filter(id__in=mailed)
            await enqueue_many_notifications(
                [(user, stored[user.id]) for user in users], sample, reply=await reply_subject(sample)
            )
        for user_id in stored:
            await publish(channel_for(user_id), {"id": stored[user_id]})
    return sent


async def unread_count(user_id: int) -> int:
    return await Notification.filter(user_id=user_id, read_at__isnull=True).count()


async def mark_read(user_id: int, ids: list[int] | None = None) -> int:
    """Mark some (or, with None, all) of a member's notifications read; returns how many."""
    query = Notification.filter(user_id=user_id, read_at__isnull=True)
    if ids is not None:
        query = query.filter(id__in=ids)
    return await query.update(read_at=now())
