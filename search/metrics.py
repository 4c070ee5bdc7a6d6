"""The search outbox in /metrics: rows waiting and the age of the oldest."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from api.models.search import SearchOutbox
from api.registry import OutboxProbe


async def search_outbox() -> tuple[int, datetime | None]:
    backlog = await SearchOutbox.all().count()
    if not backlog:
        return 0, None
    oldest = await SearchOutbox.all().order_by("created_at").first().values_list("created_at", flat=True)
    return backlog, cast(datetime | None, oldest)  # Tortoise types a flat value as a tuple


SEARCH_OUTBOX = OutboxProbe("search", search_outbox)
