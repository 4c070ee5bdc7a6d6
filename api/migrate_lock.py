"""Migrations with several app processes: one migrates, the others wait, then all serve.

Every process that starts (`guildhall serve`, `guildhall migrate`) takes the migration lock
before migrating: a session-level advisory lock on PostgreSQL (on a connection of its own, so
it is held whatever the pool does), a lock file beside the database on SQLite. The first
process applies what is pending (and, for `serve`, loads the demo data on a first run); the
others wait for the lock, find nothing pending, and go on. A process that dies releases its
lock with its connection (PostgreSQL) or its file handle (SQLite), so a crash never wedges
the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from api.settings import Settings

log = logging.getLogger(__name__)

# pg_advisory_lock key: "gh-migr" (distinct from the search outbox's key).
ADVISORY_KEY = 0x67682D6D696772


class MigrationLockTimeout(RuntimeError):
    """Another process held the migration lock for longer than MIGRATION_LOCK_TIMEOUT_SECONDS."""


def _sqlite_path(settings: Settings) -> Path | None:
    from api.db import normalise_db_url

    url = normalise_db_url(settings.database_url)
    path = url[len("sqlite://") :].split("?")[0]
    return None if not path or path == ":memory:" else Path(path)


def lock_file(settings: Settings) -> Path | None:
    path = _sqlite_path(settings)
    return None if path is None else path.with_name(path.name + ".migrate-lock")


@asynccontextmanager
async def migration_lock(
    settings: Settings, *, on_wait: Callable[[], None] | None = None, wait: bool = True
) -> AsyncIterator[None]:
    """Hold the installation-wide migration lock; `on_wait` is called once if another process
    holds it (we then wait, up to MIGRATION_LOCK_TIMEOUT_SECONDS, or give up at once when not
    `wait`: `MigrationLockTimeout`)."""
    timeout = settings.migration_lock_timeout_seconds
    if settings.is_sqlite:
        path = lock_file(settings)
        if path is None:
            yield
            return
        from filelock import FileLock, Timeout

        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path))
        try:
            await asyncio.to_thread(lock.acquire, timeout=0)
        except Timeout:
            if not wait:
                raise MigrationLockTimeout(f"the migration lock {path} is held") from None
            if on_wait:
                on_wait()
            try:
                await asyncio.to_thread(lock.acquire, timeout=timeout)
            except Timeout:
                raise MigrationLockTimeout(f"the migration lock {path} was held for over {timeout} s") from None
        try:
            yield
        finally:
            lock.release()
        return
    import asyncpg

    from api.db import normalise_db_url

    url = normalise_db_url(settings.database_url).replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_KEY):
            if not wait:
                raise MigrationLockTimeout("the migration lock is held")
            if on_wait:
                on_wait()
            try:
                await conn.execute(f"SET lock_timeout = '{int(timeout * 1000)}ms'")
                await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_KEY)
            except asyncpg.exceptions.LockNotAvailableError:
                raise MigrationLockTimeout(f"the migration lock was held for over {timeout} s") from None
        try:
            yield
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_KEY)
    finally:
        await conn.close()


async def pending_migrations(settings: Settings) -> list[str]:
    """`app.migration` names not applied yet, in the order they would run. Needs the database
    connected (`api.db.init_db`)."""
    from tortoise.migrations.executor import MigrationExecutor

    from api.db import connection, tortoise_config

    executor = MigrationExecutor(connection(), tortoise_config(settings)["apps"])
    steps = await executor.plan(None)
    return [f"{s.migration.app_label}.{s.migration.name}" for s in steps if not s.backward]


async def migrate_locked(
    settings: Settings, *, report: Callable[[str], None] = log.info, then: Callable[[], Awaitable[object]] | None = None
) -> list[str]:
    """Apply pending migrations under the lock, then run `then` (first-run work such as demo
    data) still under it; the names applied (empty when another process had done it). Needs
    the database connected."""
    from api.db import migrate

    def waiting() -> None:
        report("migrations: another process holds the migration lock; waiting")

    async with migration_lock(settings, on_wait=waiting):
        applied = await pending_migrations(settings)
        if applied:
            await migrate(settings)
        if then is not None:
            await then()
    report(f"migrations applied: {len(applied)}" if applied else "migrations up to date")
    return applied
