"""Events of trust levels."""

from __future__ import annotations

from dataclasses import dataclass

from api.events import Event


@dataclass(frozen=True)
class TrustLevelChanged(Event):
    """A member's trust level changed (earned from activity, or set by staff)."""

    name = "trust.level_changed"
    public = True
    user_id: int
    old: int
    new: int
    by_staff: bool
