"""Migrations: they build every table on an empty SQLite and an empty PostgreSQL database, a
second run is a no-op, and they agree with the models (nothing left for makemigrations)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from api.settings import ROOT
from tests.platform import sqlite_pass_only

GUILDHALL = Path(sys.executable).parent / "guildhall"
SECRET = "migration-test-secret-key-0123456789abcdef"


def _model_tables() -> set[str]:
    from tortoise import Tortoise

    return {m._meta.db_table for app in Tortoise.apps.values() for m in app.values()}


def _migrate(database_url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url, SECRET_KEY=SECRET, DATA_DIR=str(cwd))
    done = subprocess.run([str(GUILDHALL), "migrate"], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


async def test_models_and_migrations_agree(db):
    from tortoise import Tortoise
    from tortoise.migrations.autodetector import MigrationAutodetector

    from api.db import tortoise_config

    apps = tortoise_config(db)["apps"]
    changes = await MigrationAutodetector(Tortoise.apps, apps).changes()
    pending = {w.app_label: [type(op).__name__ for op in w.operations] for w in changes}
    assert not pending, f"models changed without a migration (run makemigrations <app>): {pending}"


@sqlite_pass_only
async def test_migrations_build_an_empty_sqlite_database(db, tmp_path):
    expected = _model_tables()
    path = tmp_path / "fresh.sqlite3"
    assert "migrations applied" in _migrate(f"sqlite://{path}", tmp_path).stdout
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        applied = conn.execute("SELECT count(*) FROM tortoise_migrations").fetchone()[0]
    assert expected <= tables, f"missing tables: {sorted(expected - tables)}"
    migration_files = [p for p in (ROOT / "migrations").glob("*/[0-9][0-9][0-9][0-9]_*.py")]
    assert applied == len(migration_files)
    _migrate(f"sqlite://{path}", tmp_path)  # a second run applies nothing and does not fail
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM tortoise_migrations").fetchone()[0] == applied


async def test_migrations_build_an_empty_postgresql_database(db, tmp_path):
    if os.environ.get("TEST_DATABASE") != "postgres" or not os.environ.get("TEST_POSTGRES_URL"):
        pytest.skip("runs in the PostgreSQL pass (TEST_DATABASE=postgres with TEST_POSTGRES_URL)")
    import asyncpg

    base = os.environ["TEST_POSTGRES_URL"].replace("postgres://", "postgresql://", 1)
    name = f"guildhall_migrate_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = base.rsplit("/", 1)[0] + "/" + name
        _migrate(url, tmp_path)
        _migrate(url, tmp_path)
        conn = await asyncpg.connect(url)
        try:
            rows = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema='public'")
            applied = await conn.fetchval("SELECT count(*) FROM tortoise_migrations")
        finally:
            await conn.close()
        tables = {r["table_name"] for r in rows}
        expected = _model_tables()
        assert expected <= tables, f"missing tables: {sorted(expected - tables)}"
        assert applied == len(list((ROOT / "migrations").glob("*/[0-9][0-9][0-9][0-9]_*.py")))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
