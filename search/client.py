"""One synchronous Meilisearch client per process, only ever called off the event loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import meilisearch

from api import tracing
from api.settings import Settings, get_settings

T = TypeVar("T")

_clients: dict[tuple[str, str], meilisearch.Client] = {}


def meili_url(settings: Settings) -> str:
    from api.meili_process import local_url

    return settings.meili_url or local_url(settings)


def get_client(settings: Settings | None = None) -> meilisearch.Client:
    settings = settings or get_settings()
    key = (meili_url(settings), settings.meili_master_key)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = meilisearch.Client(key[0], key[1] or None, timeout=10)
    return client


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking client call in a worker thread (a span of its own when tracing)."""
    with tracing.meili_span(fn):
        return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))


async def is_healthy(settings: Settings | None = None) -> bool:
    try:
        return await call(get_client(settings).is_healthy)
    except Exception:  # noqa: BLE001
        return False
