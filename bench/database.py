"""A fresh, migrated database for a benchmark: a SQLite file, or a new database on the
PostgreSQL server of `--postgres` (dropped afterwards)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"


async def _create(postgres: str | None, root: Path) -> tuple[str, str | None]:
    if not postgres:
        return f"sqlite://{root / 'bench.sqlite3'}", None
    import asyncpg

    name = f"guildhall_bench_{uuid.uuid4().hex[:8]}"
    server, _, options = postgres.partition("?")  # options (`?maxsize=20`) apply to the new database
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return server.rsplit("/", 1)[0] + "/" + name + (f"?{options}" if options else ""), name


async def _drop(postgres: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(postgres.partition("?")[0].replace("postgres://", "postgresql://", 1))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@asynccontextmanager
async def fresh_database(postgres: str | None, prefix: str) -> AsyncIterator[Any]:
    """Settings of a new database, migrated and opened (and set as the process's settings)."""
    from api.db import close_db, init_db, migrate
    from api.settings import Settings, set_settings

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        root = Path(tmp)
        url, pg_name = await _create(postgres, root)
        settings = Settings.from_env(
            {"DATABASE_URL": url, "SECRET_KEY": SECRET, "DATA_DIR": str(root), "MEDIA_ROOT": str(root / "media")},
            env_file=None,
        )
        set_settings(settings)
        await init_db(settings)
        try:
            await migrate(settings)
            print(f"  database: {'PostgreSQL' if pg_name else 'SQLite'}")
            yield settings
        finally:
            await close_db()
            if pg_name and postgres:
                await _drop(postgres, pg_name)
