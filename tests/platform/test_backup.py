"""Backups: a populated community (every domain's demo data, media included) is backed up,
restored by `guildhall restore` into another, empty database and media store, and compared:
every table's rows and every media file's hash. Runs with media on disk (files in the archive)
and in object storage (a manifest of them). Also: refusals, scheduling, retention, /readyz."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from api import backup
from api.backup.jobs import backup_if_due
from media.move import named_blobs
from media.storage import get_storage
from tests.platform.test_cli import Database, _env, _run


def _tables() -> list[str]:
    from tests.conftest import _tables as model_tables

    return [*model_tables(), "tortoise_migrations"]


async def _rows(url: str, table: str) -> list[tuple]:
    """Every row of `table`, in a stable order, read with a plain driver."""
    if url.startswith("sqlite://"):
        with sqlite3.connect(url[len("sqlite://") :]) as conn:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
    else:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            rows = [tuple(r) for r in await conn.fetch(f'SELECT * FROM "{table}"')]
        finally:
            await conn.close()
    return sorted(rows, key=repr)


def _restore_env(settings, target: Database, tmp_path: Path, meili) -> dict[str, str]:
    env = _env(
        DATABASE_URL=target.url,
        MEILI_URL=meili["url"],
        MEILI_MASTER_KEY=meili["key"],
        MEILI_INDEX_PREFIX=f"rs{uuid.uuid4().hex[:6]}",
        DATA_DIR=str(tmp_path / "restored-data"),
        MEDIA_ROOT=str(tmp_path / "restored-media"),
    )
    if settings.media_storage_url:  # the same bucket: the archive lists the files, they stay there
        env.update(
            MEDIA_STORAGE_URL=settings.media_storage_url,
            AWS_ACCESS_KEY_ID=settings.aws_access_key_id,
            AWS_SECRET_ACCESS_KEY=settings.aws_secret_access_key,
        )
    return env


async def test_a_populated_community_is_restored_elsewhere_identically(clean_db, tmp_path, meili):
    from api.demo import seed_demo
    from tests.conftest import _backend

    settings = clean_db
    assert await seed_demo(settings)
    names = await named_blobs()
    assert len(names) >= 3  # demo avatars and images, with their variants
    source_url = settings.database_url
    result = await backup.create_backup(settings, to=str(tmp_path / "backups"))
    archive = tmp_path / "backups" / result.name
    assert archive.is_file() and (tmp_path / "backups" / f"{result.name}.sha256").is_file()
    assert result.media == len(names) and result.missing_media == []
    if _backend() == "postgres":
        assert result.name and backup.pg_tool("pg_dump", 15)[1] >= 15

    target = await asyncio.to_thread(Database, tmp_path)
    try:
        env = _restore_env(settings, target, tmp_path, meili)
        done = await asyncio.to_thread(_run, "restore", str(archive), env=env, cwd=tmp_path)
        assert "restored: schema at" in done.stdout and "search member:" in done.stdout, done.stdout
        for table in _tables():
            if table == "search_outbox":  # consumed by the restore's rebuild of the indexes
                assert await _rows(target.url, table) == []
                continue
            assert await _rows(target.url, table) == await _rows(source_url, table), table
        restored_settings = settings.replace(media_root=tmp_path / "restored-media")
        storage = get_storage(restored_settings)
        for sha256 in names:
            assert hashlib.sha256(storage.read_bytes(sha256)).hexdigest() == sha256
        if not settings.media_storage_url:
            assert sorted(storage.blobs()) == names

        # Only ever into an empty database: a second restore changes nothing.
        users = await _rows(target.url, "users")
        again = await asyncio.to_thread(_run, "restore", str(archive), env=env, cwd=tmp_path, code=1)
        assert "not empty" in again.stderr
        assert await _rows(target.url, "users") == users
    finally:
        await asyncio.to_thread(target.drop)


async def test_a_damaged_archive_is_refused(clean_db, factory, tmp_path):
    await factory.user()
    result = await backup.create_backup(clean_db, to=str(tmp_path))
    archive = tmp_path / result.name
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    empty = clean_db.replace(database_url=f"sqlite://{tmp_path / 'empty.sqlite3'}") if clean_db.is_sqlite else clean_db
    with pytest.raises(backup.BackupError, match="damaged"):
        await backup.restore_backup(empty, str(archive))


async def test_scheduled_backups_run_once_per_interval_and_keep_the_newest(clean_db, factory, tmp_path):
    await factory.user()
    folder = tmp_path / "scheduled"
    folder.mkdir()
    for day in ("01", "02", "03"):  # older archives, as earlier runs left them
        (folder / f"guildhall-202001{day}T000000Z.tar").write_bytes(b"old")
        (folder / f"guildhall-202001{day}T000000Z.tar.sha256").write_text("x  old\n")
    settings = clean_db.replace(backup_to=str(folder), backup_interval_hours=24, backup_keep=2)
    # Two processes' jobs at once: one backs up, the other finds the lock busy.
    made = [n for n in await asyncio.gather(backup_if_due(settings), backup_if_due(settings)) if n]
    assert len(made) == 1
    assert sorted(p.name for p in folder.glob("*.tar")) == ["guildhall-20200103T000000Z.tar", made[0]]
    assert await backup_if_due(settings) is None  # not due again for 24 hours
    status = await backup.backup_status(settings)
    assert status["age_seconds"] < 3600 and status["overdue"] is False
    assert backup.backup_age_seconds(settings) < 3600
    assert await backup_if_due(settings.replace(backup_interval_hours=0)) is None  # off


async def test_backup_age_reads_the_newest_archive(app_settings, tmp_path):
    settings = app_settings.replace(backup_to=str(tmp_path), backup_interval_hours=1)
    assert backup.backup_age_seconds(settings) is None
    assert (await backup.backup_status(settings))["overdue"] is True
    moment = backup._utcnow() - timedelta(hours=3)
    (tmp_path / backup.archive_name(moment)).write_bytes(b"x")
    backup._last_seen.clear()
    assert 3 * 3600 - 5 < backup.backup_age_seconds(settings) < 3 * 3600 + 60
    assert (await backup.backup_status(settings))["overdue"] is True  # over twice the interval
    assert os.path.exists(tmp_path / backup.archive_name(moment))
