"""What members hear of their trust level."""

from __future__ import annotations

from api.domain.notifications import notify
from api.domain.trust.events import TrustLevelChanged
from api.settings import Settings

NAMES = {0: "new", 1: "basic", 2: "member", 3: "regular", 4: "leader"}


async def tell_member(event: TrustLevelChanged, settings: Settings) -> None:
    verb = "reached" if event.new > event.old else "are now at"
    await notify(
        event.user_id,
        "trust.level_changed",
        subject_type="User",
        subject_id=event.user_id,
        message=f"You {verb} trust level {event.new} ({NAMES.get(event.new, event.new)}).",
        data={"old": event.old, "new": event.new},
    )
