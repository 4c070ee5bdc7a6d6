"""Backups sent to a bucket (`--to s3://...`, moto's server) and restored from it."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

from api import backup
from tests.platform.test_cli import _env, _run
from tests.s3_server import ACCESS_KEY, SECRET_KEY


async def test_backups_go_to_a_bucket_and_restore_from_it(clean_db, factory, tmp_path, s3_server):
    settings = clean_db.replace(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    member = await factory.user("bucketed")
    folder = f"s3://{s3_server.bucket}/backups-{uuid.uuid4().hex[:8]}?endpoint={s3_server.endpoint}"
    result = await backup.create_backup(settings, to=folder)
    dest = backup.destination(settings, folder)
    assert dest.names() == sorted([result.name, f"{result.name}.sha256"])
    assert backup.prune(dest, keep=1) == []
    if not settings.is_sqlite:
        return  # the restore itself is covered above; an empty PostgreSQL database per run is costly
    base, _, query = folder.partition("?")
    env = _env(
        DATABASE_URL=f"sqlite://{tmp_path / 'from-bucket.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "m"),
        DATA_DIR=str(tmp_path / "d"),
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
    )
    done = await asyncio.to_thread(
        _run, "restore", "--no-search", f"{base}/{result.name}?{query}", env=env, cwd=tmp_path
    )
    assert "restored: schema at" in done.stdout
    with sqlite3.connect(tmp_path / "from-bucket.sqlite3") as conn:
        assert conn.execute("SELECT id FROM users WHERE username = 'bucketed'").fetchall() == [(member.id,)]
