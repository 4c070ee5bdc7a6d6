"""PostgreSQL connections cut under the app (a restart, a failover, `pg_terminate_backend`): the
next requests answer normally, a read that met a dead connection being retried once on a fresh
one (`api.pgclient`)."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE", "sqlite") != "postgres", reason="PostgreSQL connections only"
)

USERS = "{ users(first: 5) { totalCount nodes { username } } }"
VIEWER_TOPICS = "{ viewer { user { username } } topics(first: 5) { nodes { title } } }"


async def _cut_every_connection(settings) -> int:
    """Terminate every backend of the test database but the one asking."""
    import asyncpg

    conn = await asyncpg.connect(settings.database_url.replace("postgres://", "postgresql://", 1))
    try:
        return await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()


async def test_requests_after_every_connection_was_cut_answer_without_error(gql, factory, app_settings):
    _, token = await factory.member_with_token(username="survivor")
    for _ in range(3):
        await factory.user()
    assert (await gql(USERS))["users"]["totalCount"] == 4
    for round_ in range(15):
        assert await _cut_every_connection(app_settings) >= 1
        for _ in range(3):
            body = await gql(USERS, expect_errors=True)
            assert "errors" not in body, (round_, body)
            assert body["data"]["users"]["totalCount"] == 4
        signed_in = await gql(VIEWER_TOPICS, token=token, expect_errors=True)
        assert "errors" not in signed_in, signed_in
        assert signed_in["data"]["viewer"]["user"]["username"] == "survivor"


def test_only_plain_reads_are_retried():
    """A write either ran once or failed: never run twice."""
    from api.pgclient import _is_read

    async def execute_query(): ...

    async def execute_insert(): ...

    assert _is_read(execute_query, ("SELECT 1",)) and _is_read(execute_query, ("  select id from t",))
    for statement in ("UPDATE t SET a = 1", "INSERT INTO t VALUES (1)", "DELETE FROM t", "SELECT * FROM t FOR UPDATE"):
        assert not _is_read(execute_query, (statement,))
    assert not _is_read(execute_insert, ("SELECT 1",))


async def test_a_connection_given_back_sends_no_reset_yet_keeps_no_transaction(clean_db, monkeypatch):
    """Issue 14: giving a pooled connection back costs no round trip (asyncpg's default reset
    sends `RESET ALL` and co. each time), and a transaction left open is still rolled back
    before the next holder gets the connection."""
    import asyncpg

    from api.db import connection

    resets = []
    default_reset = asyncpg.Connection.reset

    async def counted_reset(self, *args, **kwargs):
        resets.append(self)
        return await default_reset(self, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "reset", counted_reset)
    client = connection()
    pool = client._pool
    async with pool.acquire() as conn:
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("SELECT pg_advisory_xact_lock(424242)")
    assert resets == []
    found = False
    held = []
    for _ in range(client.pool_maxsize):
        conn = await pool.acquire()
        held.append(conn)
        if await conn.fetchval("SELECT pg_backend_pid()") == backend:
            found = True
            assert not conn.is_in_transaction()
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                )
                == 0
            )
            break
    for conn in held:
        await pool.release(conn)
    assert found and resets == []
