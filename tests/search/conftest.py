"""Search tests run against the real Meilisearch of the session. The indexes of the session's
prefix are created once; after each test their documents and synonyms are cleared (as the
database tables are), so tests never see each other's documents."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from api.settings import Settings
from search.client import call, get_client
from search.indexes import apply_settings, index_uid, wait
from search.registry import kinds

_prepared: set[str] = set()


async def clear_indexes(settings: Settings) -> None:
    client = get_client(settings)
    tasks = []
    for kind in kinds().values():
        index = client.index(index_uid(settings, kind))
        tasks.append((await call(index.delete_all_documents)).task_uid)
        tasks.append((await call(index.reset_synonyms)).task_uid)
    for task_uid in tasks:
        await wait(settings, task_uid)


@pytest_asyncio.fixture
async def app_settings(clean_db: Settings) -> AsyncIterator[Settings]:
    """The session settings with their indexes ready (overrides the conftest fixture)."""
    if clean_db.meili_index_prefix not in _prepared:
        await apply_settings(clean_db)
        _prepared.add(clean_db.meili_index_prefix)
    else:
        await clear_indexes(clean_db)  # other test modules may have pushed to the session's indexes
    yield clean_db
    await clear_indexes(clean_db)


@pytest.fixture
def cpu_hog() -> Iterator[None]:
    """A busy machine on demand: one busy-loop process per core for the test's duration."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()
