"""The SQLite client of the app: Tortoise's, with transactions that take the write lock when they
begin, and a longer wait for that lock.

Several processes may share one SQLite file (`guildhall serve --workers 2`, a CLI command beside a
running server). Tortoise begins a transaction with a deferred `BEGIN`: it reads from a snapshot
and asks for the write lock at its first write. If another process committed in between, SQLite
cannot move the snapshot forward and fails that write at once with "database is locked", without
waiting (its busy handler does not run for a stale snapshot). `BEGIN IMMEDIATE` takes the lock
first, waiting for it as long as `busy_timeout` allows, so the transaction never reads anything a
concurrent writer could change before it commits. Within one process nothing changes: Tortoise
already runs one transaction at a time on its single connection.

`busy_timeout` (milliseconds) can be set in the URL like any pragma:
`sqlite:///data/guildhall.sqlite3?busy_timeout=60000`.

Named as the engine in `api.db.tortoise_config` for `sqlite://` URLs."""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError

# Long enough for another process's job to commit on a loaded machine; the wait runs on aiosqlite's
# thread, never on the event loop.
BUSY_TIMEOUT_MS = 30_000


class _ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("busy_timeout", BUSY_TIMEOUT_MS)
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient
