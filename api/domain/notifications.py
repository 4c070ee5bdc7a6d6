"""Notifications: stored per member and pushed to the `notificationAdded` subscription."""

from __future__ import annotations

from typing import Any

from api.domain.mail.preferences import mail_notification
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


async def notify_many(user_ids: set[int] | list[int], kind: str, **kwargs: Any) -> int:
    sent = 0
    for user_id in sorted(set(user_ids)):
        if await notify(user_id, kind, **kwargs):
            sent += 1
    return sent


async def unread_count(user_id: int) -> int:
    return await Notification.filter(user_id=user_id, read_at__isnull=True).count()


async def mark_read(user_id: int, ids: list[int] | None = None) -> int:
    """Mark some (or, with None, all) of a member's notifications read; returns how many."""
    query = Notification.filter(user_id=user_id, read_at__isnull=True)
    if ids is not None:
        query = query.filter(id__in=ids)
    return await query.update(read_at=now())
