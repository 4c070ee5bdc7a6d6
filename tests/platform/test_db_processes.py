"""The app's database clients. Several app processes writing in transactions on one database at
once (what `guildhall serve --workers 2` and its background jobs do): no transaction fails for
being concurrent, nothing is lost. On SQLite a deferred `BEGIN` that has read and then writes
fails at once ("database is locked") when another process wrote in between; the app's SQLite
client begins transactions with `BEGIN IMMEDIATE` and waits for the lock instead
(api.sqliteclient)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import textwrap
from contextlib import closing
from pathlib import Path

import pytest
from tortoise.exceptions import TransactionManagementError

from api.models.moderation import Announcement
from api.settings import ROOT
from api.sqliteclient import ImmediateSqliteClient
from tests.platform import sqlite_pass_only

TRANSACTIONS = 40

# Each child reads, gives the loop a turn (as a job awaiting other work would) and writes, in one
# transaction, many times; it prints how many transactions failed and the last error.
_CHILD = textwrap.dedent("""
    import asyncio, sys
    from tortoise.transactions import in_transaction
    from api.db import close_db, init_db
    from api.models.moderation import Announcement
    from api.settings import Settings, set_settings
    from api.timeutil import now

    async def main():
        settings = Settings.from_env({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "x" * 40}, env_file=None)
        set_settings(settings)
        await init_db(settings)
        await Announcement.filter(title__startswith="race-").count()  # connected
        print("ready", flush=True)
        sys.stdin.readline()  # both children start together
        failed, last = 0, ""
        try:
            for n in range(int(sys.argv[3])):
                try:
                    async with in_transaction():
                        await Announcement.filter(title__startswith="race-").count()
                        await asyncio.sleep(0)
                        await Announcement.create(title=f"race-{sys.argv[2]}-{n}", body="b", publish_at=now())
                except Exception as exc:
                    failed, last = failed + 1, repr(exc)
        finally:
            await close_db()
        print(failed, last)

    asyncio.run(main())
""")


async def test_two_processes_writing_in_transactions_lose_nothing(app_settings):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CHILD,
            app_settings.database_url,
            str(i),
            str(TRANSACTIONS),
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for i in range(2)
    ]
    for child in children:
        assert child.stdout is not None and child.stdin is not None
        assert await child.stdout.readline() == b"ready\n"
    for child in children:
        child.stdin.write(b"go\n")
    outputs = [(await child.communicate())[0].decode().strip() for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    assert [output.split(" ", 1)[0] for output in outputs] == ["0", "0"], outputs
    assert await Announcement.filter(title__startswith="race-").count() == 2 * TRANSACTIONS


def test_sqlite_datetimes_are_parsed_by_ciso8601():
    """Tortoise picks its datetime parser at import: the C one when ciso8601 is installed
    (a dependency for that reason), else a pure Python one three times slower per row read."""
    import ciso8601
    from tortoise.fields import data

    assert data.parse_datetime is ciso8601.parse_datetime


async def _client(path: Path, busy_timeout: int) -> ImmediateSqliteClient:
    # A client of its own; its transactions look up connections in Tortoise's context, which the
    # tests' `db` fixture sets up.
    client = ImmediateSqliteClient(str(path), connection_name="locking", busy_timeout=busy_timeout)
    await client.create_connection(with_db=True)
    await client.execute_script("CREATE TABLE notes (text TEXT)")
    return client


def _holder(path: Path) -> sqlite3.Connection:
    """Another process's connection, holding the write lock."""
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


@sqlite_pass_only
async def test_a_transaction_that_cannot_take_the_lock_fails_and_leaves_the_client_usable(db, tmp_path):
    client = await _client(tmp_path / "db.sqlite3", busy_timeout=50)
    try:
        with closing(_holder(tmp_path / "db.sqlite3")) as holder:
            with pytest.raises(TransactionManagementError, match="locked"):
                async with client._in_transaction() as connection:
                    await connection.execute_insert("INSERT INTO notes VALUES (?)", ["lost"])
            holder.rollback()
        # The connection's lock was given back: queries and transactions go on.
        assert await asyncio.wait_for(client.execute_query_dict("SELECT COUNT(*) AS n FROM notes"), 10) == [{"n": 0}]
        async with client._in_transaction() as connection:
            await connection.execute_insert("INSERT INTO notes VALUES (?)", ["kept"])
        with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as reader:
            assert reader.execute("SELECT text FROM notes").fetchall() == [("kept",)]
    finally:
        await client.close()


@sqlite_pass_only
async def test_a_transaction_cancelled_while_waiting_for_the_lock_leaves_none_open(db, tmp_path):
    client = await _client(tmp_path / "db.sqlite3", busy_timeout=20_000)
    try:

        async def write() -> None:
            async with client._in_transaction() as connection:
                await connection.execute_insert("INSERT INTO notes VALUES (?)", ["never"])

        with closing(_holder(tmp_path / "db.sqlite3")) as holder:
            task = asyncio.create_task(write())
            for _ in range(100):  # the task takes the connection's lock on its first turns
                if client._lock.locked():
                    break
                await asyncio.sleep(0)
            assert client._lock.locked()  # the task holds the connection: it is beginning
            task.cancel()
            holder.rollback()  # the BEGIN IMMEDIATE queued on aiosqlite's thread now runs
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, 30)
        assert not client._lock.locked()
        assert client._connection is not None and not client._connection.in_transaction
        with closing(_holder(tmp_path / "db.sqlite3")) as holder:  # the write lock is free (timeout 0)
            holder.rollback()
        assert await client.execute_query_dict("SELECT COUNT(*) AS n FROM notes") == [{"n": 0}]
    finally:
        await client.close()
