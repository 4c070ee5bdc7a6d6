"""Start-up work that must run before serving: search index settings and the like."""

from __future__ import annotations

from api.settings import Settings

# Async callables run (in order) by `guildhall serve` before the server starts.
STARTUP_HOOKS: list = []


async def prepare_search(settings: Settings) -> None:
    import api.wiring  # noqa: F401 - domains register their hooks on import

    for hook in STARTUP_HOOKS:
        await hook(settings)
