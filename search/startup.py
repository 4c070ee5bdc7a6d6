"""Start-up hook: apply index settings, then push what the outbox holds (demo data included),
so a fresh install answers searches as soon as it serves."""

from __future__ import annotations

import logging

from api.settings import Settings
from search.indexes import apply_settings
from search.worker import drain, mark_settings_applied

log = logging.getLogger(__name__)


async def prepare_indexes(settings: Settings) -> None:
    try:
        await apply_settings(settings)
        mark_settings_applied(settings)
        pushed = await drain(settings)
    except Exception as exc:  # noqa: BLE001 - search down must not stop the API; the worker retries
        log.warning(
            "search not prepared at start-up (%s: %s); the outbox worker will catch up", type(exc).__name__, exc
        )
        return
    if pushed:
        log.info("search: %d pending changes pushed", pushed)
