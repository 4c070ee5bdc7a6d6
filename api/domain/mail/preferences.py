"""Members' mail preferences: per notification kind in-app only, mailed at once, or listed in the
digest; the digest's rhythm and time zone; unsubscribing (links and `setNotificationPreferences`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.domain.mail import links
from api.domain.mail.outbox import enqueue_for
from api.errors import Invalid, Unauthenticated
from api.models.accounts import User
from api.models.mail import Delivery, Digest, MailOutbox, MailPreference
from api.models.notifications import Notification
from api.settings import Settings
from api.timeutil import now

# The notification kinds members choose for, and where each goes unless they say otherwise:
# what is addressed to the member personally is mailed at once, the rest waits for the digest.
KINDS: dict[str, Delivery] = {
    "forum.mention": Delivery.EMAIL,
    "forum.reply": Delivery.EMAIL,
    "forum.new_topic": Delivery.EMAIL,
    "qa.answer": Delivery.EMAIL,
    "qa.accepted": Delivery.EMAIL,
    "governance.proposal_opened": Delivery.DIGEST,
    "governance.vote_reminder": Delivery.EMAIL,  # the vote closes soon: a digest would be too late
    "growth.at_risk_reminder": Delivery.EMAIL,  # the member is away: the mail is the reminder
    "engagement.message": Delivery.EMAIL,  # private messages, as Discourse mails them at once
    "engagement.event_cancelled": Delivery.EMAIL,
    "engagement.event_promoted": Delivery.EMAIL,
    "engagement.event_changed": Delivery.EMAIL,
    "engagement.event_reminder": Delivery.EMAIL,
    "engagement.feedback_reply": Delivery.EMAIL,
    "engagement.feedback_assigned": Delivery.EMAIL,
    "engagement.feedback_status": Delivery.DIGEST,
    "engagement.inactive_reminder": Delivery.EMAIL,
    "engagement.badge_awarded": Delivery.DIGEST,
    "engagement.title_granted": Delivery.DIGEST,
    "engagement.lottery_won": Delivery.EMAIL,
    "engagement.redemption_fulfilled": Delivery.DIGEST,
    "engagement.redemption_refunded": Delivery.DIGEST,
    "moderation.report_resolved": Delivery.DIGEST,
    "moderation.review_needed": Delivery.DIGEST,
    "moderation.content_approved": Delivery.DIGEST,
    "moderation.content_rejected": Delivery.EMAIL,
    "moderation.join_request_decided": Delivery.EMAIL,
    "trust.level_changed": Delivery.DIGEST,
}
DEFAULT_DELIVERY = Delivery.DIGEST  # kinds not listed above (announcements, warnings...)
KIND_NAME_MAX = 64


def delivery(pref: MailPreference | None, kind: str) -> Delivery:
    chosen = (pref.kinds or {}).get(kind) if pref else None
    if chosen in Delivery.__members__:
        return Delivery(chosen)
    return KINDS.get(kind, DEFAULT_DELIVERY)


async def preferences_of(user_id: int) -> MailPreference:
    """The member's preferences (an unsaved row of defaults when they never chose)."""
    return await MailPreference.filter(user_id=user_id).first() or MailPreference(user_id=user_id)


@dataclass(frozen=True)
class PreferencesInput:
    digest: Digest | None = None
    timezone: str | None = None
    kinds: dict[str, Delivery] | None = None  # kinds to change; others stay
    bulk_mail: bool | None = None  # False: unsubscribed from every bulk mail


async def set_preferences(actor: User | None, data: PreferencesInput, *, settings: Settings) -> MailPreference:
    if actor is None:
        raise Unauthenticated("Sign in first.")
    if data.timezone:
        try:
            ZoneInfo(data.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid("Unknown time zone.", field="timezone") from None
    if data.kinds and any(not k or len(k) > KIND_NAME_MAX for k in data.kinds):
        raise Invalid(f"Name kinds in at most {KIND_NAME_MAX} characters.", field="kinds")
    pref, _ = await MailPreference.get_or_create(user_id=actor.id)
    if data.digest is not None:
        pref.digest = data.digest
    if data.timezone is not None:
        pref.timezone = data.timezone
    if data.kinds:
        pref.kinds = {**(pref.kinds or {}), **{k: Delivery(v).value for k, v in data.kinds.items()}}
    if data.bulk_mail is not None:
        pref.unsubscribed_at = None if data.bulk_mail else (pref.unsubscribed_at or now())
        if data.bulk_mail:
            pref.bounced_at = None  # the member says the address works again
    await pref.save()
    return pref


async def unsubscribe(user_id: int, scope: str) -> None:
    """What a signed unsubscribe link turns off: every bulk mail, or the digest only."""
    if not await User.filter(id=user_id).exists():
        return
    await MailPreference.get_or_create(user_id=user_id)
    if scope == "digest":
        await MailPreference.filter(user_id=user_id).update(digest=Digest.NONE)
    else:
        await MailPreference.filter(user_id=user_id, unsubscribed_at__isnull=True).update(unsubscribed_at=now())


def mailed_at_once(pref: MailPreference | None, kind: str) -> bool:
    """Whether a notification of `kind` is mailed at once to the member of these preferences."""
    if delivery(pref, kind) != Delivery.EMAIL:
        return False
    return pref is None or not (pref.unsubscribed_at or pref.bounced_at)


def _mail_context(
    notification: Notification, notification_id: int, reply: tuple[int | None, int | None]
) -> dict[str, Any]:
    message = notification.message or notification.kind
    topic_id, conversation_id = reply
    return {
        "title": message.splitlines()[0][:120] if message.strip() else notification.kind,
        "message": message,
        "kind": notification.kind,
        "link": links.page("notifications_url", id=notification_id),
        "$reply_topic": topic_id,
        "$reply_conversation": conversation_id,
    }


async def mail_notification(notification: Notification) -> None:
    """Mail a stored notification at once when the member chose so (called by `notify`, in the
    transaction that stored it)."""
    pref = await MailPreference.filter(user_id=notification.user_id).first()
    if not mailed_at_once(pref, notification.kind):
        return
    user = await User.filter(id=notification.user_id).first()
    if user is None:
        return
    reply = await _reply_subject(notification)
    await enqueue_for(user, "notification", _mail_context(notification, notification.id, reply), bulk=True)


async def enqueue_many_notifications(
    recipients: list[tuple[User, int]], notification: Notification, *, reply: tuple[int | None, int | None]
) -> int:
    """Mail one notification stored for many members ((member, its notification id) pairs), in
    one INSERT (`notify_many`: `notification` gives the kind, subject and message)."""
    moment = now()
    rows = [
        MailOutbox(
            user_id=user.id,
            to_address=user.email,
            template="notification",
            locale=user.locale,
            bulk=True,
            context={
                "display_name": user.display_name,
                "username": user.username,
                **_mail_context(notification, notification_id, reply),
            },
            message_id=uuid.uuid4().hex,
            next_attempt_at=moment,
        )
        for user, notification_id in recipients
    ]
    if rows:
        await MailOutbox.bulk_create(rows, batch_size=1000)
    return len(rows)


async def reply_subject(notification: Notification) -> tuple[int | None, int | None]:
    """(topic id, conversation id) a reply by mail to this notification goes to."""
    return await _reply_subject(notification)


async def _reply_subject(notification: Notification) -> tuple[int | None, int | None]:
    """(topic id, conversation id): what a notification is about, if a reply by mail can go
    there (a post in the topic, a message in the conversation)."""
    if notification.subject_id is None:
        return None, None
    if notification.subject_type == "Topic":
        return notification.subject_id, None
    from api.db import column

    if notification.subject_type == "Post":
        from api.models.forum import Post

        topic_ids: list[int] = await column(Post.filter(id=notification.subject_id), "topic_id")
        return (topic_ids[0] if topic_ids else None), None
    if notification.subject_type == "Message":
        from api.models.engagement import Message

        conversation_ids: list[int] = await column(Message.filter(id=notification.subject_id), "conversation_id")
        return None, (conversation_ids[0] if conversation_ids else None)
    return None, None
