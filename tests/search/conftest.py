"""Search tests run against the real Meilisearch of the session, each with its own index
prefix (deleted afterwards), so tests never see each other's documents."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest_asyncio

from api.settings import Settings, set_settings
from search.client import call, get_client
from search.indexes import apply_settings


async def drop_indexes(settings: Settings) -> None:
    client = get_client(settings)
    raw = await call(client.get_raw_indexes, {"limit": 1000})
    for index in raw["results"]:
        if index["uid"].startswith(settings.meili_index_prefix + "_"):
            await call(client.delete_index, index["uid"])


@pytest_asyncio.fixture
async def app_settings(clean_db: Settings) -> AsyncIterator[Settings]:
    """Settings with a fresh index prefix and its indexes created (overrides the conftest one)."""
    settings = clean_db.replace(meili_index_prefix=f"s{uuid.uuid4().hex[:10]}")
    set_settings(settings)
    await apply_settings(settings)
    yield settings
    await drop_indexes(settings)
    set_settings(clean_db)
