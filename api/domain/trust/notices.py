"""What members hear of their trust level: staff's changes one by one (`tell_member`), the job's
many at once (`tell_members`, a fixed number of queries per move)."""

from __future__ import annotations

from api.domain.notifications import notify, notify_many
from api.domain.trust.events import TrustLevelChanged
from api.settings import Settings

NAMES = {0: "new", 1: "basic", 2: "member", 3: "regular", 4: "leader"}
KIND = "trust.level_changed"


def _message(old: int, new: int) -> str:
    verb = "reached" if new > old else "are now at"
    return f"You {verb} trust level {new} ({NAMES.get(new, new)})."


async def tell_member(event: TrustLevelChanged, settings: Settings) -> None:
    """Handler of `TrustLevelChanged`: a change by staff is told to the member (the job tells
    the members it moves itself, many at once: `levels.recompute`)."""
    if not event.by_staff:
        return
    await notify(
        event.user_id,
        KIND,
        subject_type="User",
        subject_id=event.user_id,
        message=_message(event.old, event.new),
        data={"old": event.old, "new": event.new},
    )


async def tell_members(user_ids: list[int], old: int, new: int) -> int:
    """Members the job moved from level `old` to `new` hear it, in one `notify_many`."""
    return await notify_many(
        user_ids,
        KIND,
        subject_type="User",
        subject_is_member=True,
        message=_message(old, new),
        data={"old": old, "new": new},
    )
