"""The PostgreSQL client of the app: Tortoise's asyncpg client, plus one retry of a read that
failed because its pooled connection had died.

When the server ends the app's connections (a restart, a failover, `pg_terminate_backend`, an idle
timeout in a proxy), asyncpg only learns it when the next query runs on each of them, so the
first requests after the cut would fail. A plain read (a SELECT outside a transaction) is safe to
run twice: on such an error the pool's connections are expired (each reconnects on its next use)
and the read runs once more on a fresh one. Writes and anything inside a transaction are never
retried (their outcome is unknown); the error stands.

Named as the engine in `api.db.tortoise_config` for `postgres://` URLs."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

log = logging.getLogger(__name__)

# What a query on a connection the server (or the network) closed raises.
DEAD_CONNECTION: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # ConnectionDoesNotExistError, ...
    asyncpg.exceptions.AdminShutdownError,  # pg_terminate_backend, server shutdown
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InternalClientError,  # "cannot switch to state": the protocol broke mid-query
    asyncpg.exceptions.InterfaceError,  # "connection is closed"
    ConnectionError,
)
_READS = {"execute_query", "execute_query_dict"}


def _is_read(func: Any, args: tuple[Any, ...]) -> bool:
    return (
        getattr(func, "__name__", "") in _READS
        and bool(args)
        and isinstance(args[0], str)
        and args[0].lstrip()[:6].upper() in ("SELECT", "WITH R")
        and "FOR UPDATE" not in args[0].upper()
    )


async def _keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset of a connection given back: nothing more than asyncpg's own first step
    (a transaction left open is rolled back, listeners are dropped).

    asyncpg's default reset sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` on every release: one more round trip for every statement run outside a
    transaction (each takes and gives back a connection), a third of a ballot's round trips
    (issue 14). The app leaves no session state on pooled connections to undo: its advisory
    locks on them are transaction-level (`pg_advisory_xact_lock*`), released at commit or
    rollback; it never LISTENs, SETs (only `SET LOCAL`, if ever) or holds cursors on them; the
    migration lock (session-level) has a connection of its own (`api.migrate_lock`)."""


class RetryingAsyncpgClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        kwargs.setdefault("reset", _keep_session)
        return await super().create_pool(**kwargs)

    async def _translate_exceptions(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super()._translate_exceptions(func, *args, **kwargs)
        except DEAD_CONNECTION as exc:
            if not _is_read(func, args):
                raise
            log.warning(
                "a read failed on a dead database connection (%s: %s); retrying on a fresh one", type(exc).__name__, exc
            )
            await self._expire_connections()
            return await super()._translate_exceptions(func, *args, **kwargs)


client_class = RetryingAsyncpgClient
