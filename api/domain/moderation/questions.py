"""Questions about audiences that moderation (announcements) and governance (surveys) ask; the
growth domain decides them from its saved segments, so neither imports growth."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from api.events import Question


@dataclass(frozen=True)
class SegmentMemberIds(Question[list[int] | None]):
    """Ids of the members a saved segment's criteria match now; None when there is no such segment."""

    default: ClassVar[list[int] | None] = None
    segment_id: int


@dataclass(frozen=True)
class SegmentsContaining(Question[list[int]]):
    """Which of `segment_ids` match the member now."""

    default: ClassVar[list[int]] = []
    user_id: int
    segment_ids: tuple[int, ...]
