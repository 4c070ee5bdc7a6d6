"""The SQLite client of the app: Tortoise's, with transactions that take the write lock when they
begin, and a longer wait for that lock.

Several processes may share one SQLite file (`guildhall serve --workers 2`, a CLI command beside a
running server). Tortoise begins a transaction with a deferred `BEGIN`: it reads from a snapshot
and asks for the write lock at its first write. If another process committed in between, SQLite
cannot move the snapshot forward and fails that write at once with "database is locked", without
waiting (its busy handler does not run for a stale snapshot). `BEGIN IMMEDIATE` takes the lock
first, waiting for it as long as `busy_timeout` allows, so the transaction never reads anything a
concurrent writer could change before it commits. The price: every transaction, read-only ones
too, holds the write lock, and while it waits for the lock the process's other queries wait with
it (Tortoise runs one transaction at a time on its single connection, and queries outside it wait
for it already).

`busy_timeout` (milliseconds) can be set in the URL like any pragma:
`sqlite:///data/guildhall.sqlite3?busy_timeout=60000`.

Named as the engine in `api.db.tortoise_config` for `sqlite://` URLs. Keep "sqlite" in this
module's name: Tortoise picks its migration schema editor by the engine module's name."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any, cast

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

# Long enough for another process's job to commit on a loaded machine; the wait runs on aiosqlite's
# thread, never on the event loop.
BUSY_TIMEOUT_MS = 30_000


class _ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            # Timed out, or cancelled while waiting for the lock: aiosqlite's thread still runs a
            # queued BEGIN, so undo it after (a rollback with no transaction open does nothing);
            # else the connection would keep the write lock, its later queries inside it.
            with contextlib.suppress(sqlite3.Error):
                await asyncio.shield(self._connection.rollback())
            if isinstance(exc, sqlite3.OperationalError):
                raise TransactionManagementError(exc) from exc
            raise


class _ImmediateTransactionContext(SqliteTransactionContext):
    """Tortoise's context, giving back the connection's lock when the transaction cannot begin
    (Tortoise's own keeps it: a deferred `BEGIN` hardly ever fails, `BEGIN IMMEDIATE` can)."""

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            self._trxlock.release()
            raise
        return cast(TransactionalDBClient, self.connection)


class ImmediateSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("busy_timeout", BUSY_TIMEOUT_MS)
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return _ImmediateTransactionContext(_ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient
