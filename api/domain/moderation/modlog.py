"""The moderation log: every moderation decision, appended, never changed or deleted."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from api.domain.community.events import CommunitySettingsChanged
from api.models.accounts import User
from api.models.moderation import LogAction, ModerationLogEntry
from api.policies import is_staff
from api.settings import Settings


async def record(
    action: LogAction,
    *,
    actor_id: int | None,
    subject_type: str = "",
    subject_id: int | None = None,
    subject_label: str = "",
    reason: str = "",
) -> ModerationLogEntry:
    return await ModerationLogEntry.create(
        action=action,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=subject_label[:200],
        reason=reason,
    )


def entries(action: LogAction | None = None) -> QuerySet[ModerationLogEntry]:
    """The public log, newest first."""
    query = ModerationLogEntry.all().order_by("-created_at", "-id")
    return query if action is None else query.filter(action=action)


def shows_actor(viewer: User | None, *, settings: Settings) -> bool:
    """Staff always see who acted; members only when MODERATION_LOG_SHOWS_MODERATOR is on."""
    return is_staff(viewer) or settings.moderation_log_shows_moderator


async def log_settings_change(event: CommunitySettingsChanged, settings: Settings) -> None:
    """Admins' changes of community settings are public record too."""
    await record(
        LogAction.SETTINGS_CHANGED,
        actor_id=event.actor_id,
        subject_type="Community",
        subject_label="settings",
        reason="; ".join(event.changes)[:2000],
    )
