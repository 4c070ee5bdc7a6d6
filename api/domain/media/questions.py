"""Questions the media domain asks; other domains decide them (growth: a tier's upload bonus)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from api.events import Question


@dataclass(frozen=True)
class StorageQuotaBonus(Question[int]):
    """Bytes a member may store beyond MEDIA_QUOTA_BYTES (a benefit of their tier)."""

    default: ClassVar[int] = 0
    user_id: int
