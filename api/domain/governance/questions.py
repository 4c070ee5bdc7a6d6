"""Questions the governance domain asks; other domains decide them (growth: who holds a tier)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from api.events import Question


@dataclass(frozen=True)
class TierHolders(Question["list[int] | None"]):
    """The members holding this tier or a higher-ranked one (a TIER electorate); None when there
    is no such tier."""

    default: ClassVar[None] = None
    tier_id: int
