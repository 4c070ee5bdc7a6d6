"""Events of the community domain."""

from __future__ import annotations

from dataclasses import dataclass

from api.events import Event


@dataclass(frozen=True)
class CommunitySettingsChanged(Event):
    """An admin changed community settings (`changes`: "KEY=value" texts; an empty value: reset)."""

    name = "community.settings_changed"
    actor_id: int
    changes: tuple[str, ...]
