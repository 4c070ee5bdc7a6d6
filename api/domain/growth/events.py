"""Events of member lifecycle and growth."""

from __future__ import annotations

from dataclasses import dataclass

from api.events import Event


@dataclass(frozen=True)
class MemberStageChanged(Event):
    """A member's lifecycle stage changed: ACTIVE -> AT_RISK -> INACTIVE by absence (the
    lifecycle job) or by staff after review, and back to ACTIVE when they return."""

    name = "growth.member_stage_changed"
    public = True
    user_id: int
    old: str
    new: str


@dataclass(frozen=True)
class TierChanged(Event):
    """A member's tier changed (reached by points or trust level, lost, or granted by staff);
    `old` / `new` are tier ids, None for no tier."""

    name = "growth.tier_changed"
    public = True
    user_id: int
    old: int | None
    new: int | None
    by_staff: bool
