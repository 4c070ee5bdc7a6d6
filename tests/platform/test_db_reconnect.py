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
