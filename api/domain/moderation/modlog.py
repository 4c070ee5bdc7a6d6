"""The moderation log: every moderation decision, appended, never changed or deleted."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from api.models.accounts import User
from api.models.moderation import LogAction, ModerationLogEntry
from api.policies import is_staff
from api.settings import get_settings


async def record(
    action: LogAction, *, actor_id: int | None, subject_type: str = "", subject_id: int | None = None,
    subject_label: str = "", reason: str = "",
) -> ModerationLogEntry:
    return await ModerationLogEntry.create(
        action=action, actor_id=actor_id, subject_type=subject_type, subject_id=subject_id,
        subject_label=subject_label[:200], reason=reason,
    )


def entries(action: LogAction | None = None) -> QuerySet[ModerationLogEntry]:
    """The public log, newest first."""
    query = ModerationLogEntry.all().order_by("-created_at", "-id")
    return query if action is None else query.filter(action=action)


def shows_actor(viewer: User | None) -> bool:
    """Staff always see who acted; members only when MODERATION_LOG_SHOWS_MODERATOR is on."""
    return is_staff(viewer) or get_settings().moderation_log_shows_moderator
