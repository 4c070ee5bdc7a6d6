"""Helpers shared by document loaders."""

from __future__ import annotations

from datetime import datetime

# Bodies are cut to keep documents small; the start of a text holds most of its meaning.
MAX_TEXT = 20_000


def timestamp(value: datetime | None) -> int | None:
    """Seconds since the epoch: Meilisearch filters and sorts numbers, not dates."""
    return None if value is None else int(value.timestamp())
