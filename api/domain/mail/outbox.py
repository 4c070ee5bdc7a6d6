"""Write side of the mail outbox: call `enqueue` inside the transaction of the change, so the
mail exists exactly when the change does (a rolled-back write sends nothing)."""

from __future__ import annotations

import uuid
from typing import Any

from api.models.mail import MailOutbox
from api.timeutil import now


async def enqueue(
    to_address: str,
    template: str,
    context: dict[str, Any],
    *,
    user_id: int | None = None,
    locale: str = "",
    bulk: bool = False,
) -> MailOutbox:
    """Record a message to `to_address` from `template` (rendered when sent, in `locale`).
    `bulk` mail (digests, announcements, reminders) carries List-Unsubscribe and is dropped
    when the member unsubscribed or the address bounced."""
    return await MailOutbox.create(
        user_id=user_id,
        to_address=to_address,
        template=template,
        context=context,
        locale=locale,
        bulk=bulk,
        message_id=uuid.uuid4().hex,
        next_attempt_at=now(),
    )


async def enqueue_for(
    user: Any, template: str, context: dict[str, Any], *, bulk: bool = False, to_address: str | None = None
) -> MailOutbox:
    """A message to a member (their address and locale unless `to_address` says otherwise);
    `display_name` and `username` are in the context."""
    context = {"display_name": user.display_name, "username": user.username, **context}
    return await enqueue(to_address or user.email, template, context, user_id=user.id, locale=user.locale, bulk=bulk)


async def enqueue_many(
    users: list[Any], template: str, context: dict[str, Any], *, bulk: bool = False, batch: int = 1000
) -> int:
    """The same message to many members (an announcement), in few INSERTs."""
    moment = now()
    rows = [
        MailOutbox(
            user_id=u.id,
            to_address=u.email,
            template=template,
            locale=u.locale,
            bulk=bulk,
            context={"display_name": u.display_name, "username": u.username, **context},
            message_id=uuid.uuid4().hex,
            next_attempt_at=moment,
        )
        for u in users
    ]
    if rows:
        await MailOutbox.bulk_create(rows, batch_size=batch)
    return len(rows)


async def backlog() -> tuple[int, Any]:
    """Messages waiting (given-up ones excluded) and the creation time of the oldest: /metrics."""
    waiting = MailOutbox.filter(gave_up_at__isnull=True)
    count = await waiting.count()
    oldest = await waiting.order_by("id").limit(1).values_list("created_at", flat=True) if count else []
    return count, oldest[0] if oldest else None
