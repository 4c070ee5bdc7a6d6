"""Start-up work that must run before serving: the manifests' `startup` hooks (search index
settings and the like), in manifest order."""

from __future__ import annotations

from api.registry import registry
from api.settings import Settings


async def run_startup_hooks(settings: Settings) -> None:
    for hook in registry().startup:
        await hook(settings)
