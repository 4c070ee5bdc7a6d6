"""Backups: one archive holding a consistent database dump, the media (or, when media live in
object storage, a manifest of them), the schema version and checksums; and restoring one on
an empty database.

Archive `guildhall-<UTC time>.tar` (plus `<name>.sha256`, in `sha256sum -c` format):

    manifest.json      format, time, backend, schema (applied migrations), per-member sha256,
                       media mode and list, search settings, non-secret settings for reference
    database.dump      `pg_dump --format=custom` (PostgreSQL), or
    database.sqlite3   SQLite's online backup API (a consistent copy while the app writes)
    media/ab/cd/<sha>  every blob a media row names, when media are on disk

The dump is taken first; media are content-addressed and never change, so copying the blobs
the database names afterwards gives a consistent pair (a blob deleted in between is listed as
missing in the manifest). Secrets (SECRET_KEY, keys, passwords) are never written: keep them
with your deployment's configuration; SECRET_KEY must be the same after a restore for signed
URLs and ballot receipts to verify.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from api.settings import Settings

log = logging.getLogger(__name__)

FORMAT = 1
NAME_RE = re.compile(r"^guildhall-(\d{8}T\d{6}Z)\.tar$")


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message is meant for the operator."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def archive_name(moment: datetime) -> str:
    return f"guildhall-{moment.strftime('%Y%m%dT%H%M%SZ')}.tar"


def archive_time(name: str) -> datetime | None:
    match = NAME_RE.match(name)
    if match is None:
        return None
    return datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- Destinations: a folder, or a bucket (s3://bucket/prefix?endpoint=...) ---------------------


class Destination(Protocol):
    def names(self) -> list[str]: ...
    def put(self, source: Path, name: str) -> None: ...
    def fetch(self, name: str, target: Path) -> bool: ...
    def delete(self, name: str) -> None: ...
    def describe(self) -> str: ...


class FolderDestination(Destination):
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def names(self) -> list[str]:
        return sorted(p.name for p in self.folder.glob("guildhall-*")) if self.folder.is_dir() else []

    def put(self, source: Path, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = self.folder / f".{name}.partial"
        shutil.copyfile(source, temp)
        os.replace(temp, self.folder / name)  # never a half-written archive under its name

    def fetch(self, name: str, target: Path) -> bool:
        if not (self.folder / name).is_file():
            return False
        shutil.copyfile(self.folder / name, target)
        return True

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)

    def describe(self) -> str:
        return str(self.folder)


class BucketDestination(Destination):
    def __init__(self, url: str, settings: Settings) -> None:
        from media.storage_s3 import S3Storage, parse_storage_url

        self.url = url
        self.store = S3Storage(
            parse_storage_url(url),
            access_key_id=settings.aws_access_key_id,
            secret_access_key=settings.aws_secret_access_key,
        ).store

    def names(self) -> list[str]:
        import obstore

        found = [m["path"] for batch in obstore.list(self.store) for m in batch]
        return sorted(n for n in found if "/" not in n and n.startswith("guildhall-"))

    def put(self, source: Path, name: str) -> None:
        import obstore

        obstore.put(self.store, name, source)

    def fetch(self, name: str, target: Path) -> bool:
        import obstore

        try:
            result = obstore.get(self.store, name)
        except FileNotFoundError:
            return False
        with open(target, "wb") as out:
            for chunk in result:
                out.write(chunk)
        return True

    def delete(self, name: str) -> None:
        import obstore

        try:
            obstore.delete(self.store, name)
        except FileNotFoundError:
            pass

    def describe(self) -> str:
        return self.url.split("?")[0]


def destination(settings: Settings, url: str | None = None) -> Destination:
    """Where backups go: `url` (a folder, file:// or s3://), else BACKUP_TO, else DATA_DIR/backups."""
    target = url or settings.backup_to or str(settings.data_dir / "backups")
    if target.startswith("s3://"):
        return BucketDestination(target, settings)
    return FolderDestination(Path(target.removeprefix("file://")))


# --- The database dump ----------------------------------------------------------------------


def _pg_url(settings: Settings) -> str:
    from api.db import normalise_db_url

    return normalise_db_url(settings.database_url).replace("postgres://", "postgresql://", 1)


def _tool_major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    if match is None:
        raise BackupError(f"cannot read the version of {binary}: {out.strip()}")
    return int(match[1])


def pg_tool(name: str, server_major: int) -> tuple[str, int]:
    """The `pg_dump` / `pg_restore` to use with a server of `server_major`: the one of the same
    major version if installed (Debian's layout), else the one on PATH, refused when older than
    the server (it would refuse to dump, or restore a newer format badly)."""
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}", shutil.which(name) or ""]
    for binary in candidates:
        if binary and Path(binary).is_file():
            major = _tool_major(binary)
            if major < server_major:
                raise BackupError(
                    f"{binary} is version {major}, older than the PostgreSQL server ({server_major}); "
                    f"install the client tools of version {server_major} (postgresql-client-{server_major})"
                )
            return binary, major
    raise BackupError(f"{name} is not installed; install postgresql-client-{server_major}")


async def _server_major() -> int:
    from api.db import fetch_all

    rows = await fetch_all("SELECT current_setting('server_version_num') AS v")
    return int(rows[0]["v"]) // 10000


def _sqlite_file(settings: Settings) -> Path:
    from api.migrate_lock import _sqlite_path

    path = _sqlite_path(settings)
    if path is None:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return path


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy, even while other connections write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


async def _dump_database(settings: Settings, folder: Path) -> dict[str, Any]:
    if settings.is_sqlite:
        target = folder / "database.sqlite3"
        await asyncio.to_thread(_sqlite_copy, _sqlite_file(settings), target)
        return {"backend": "sqlite", "file": target.name}
    server = await _server_major()
    binary, major = pg_tool("pg_dump", server)
    target = folder / "database.dump"
    done = await asyncio.to_thread(
        subprocess.run,
        [
            binary,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
            f"--dbname={_pg_url(settings)}",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return {"backend": "postgres", "file": target.name, "server_major": server, "pg_dump_major": major}


async def schema_version() -> list[str]:
    """Applied migrations, `app.name`, sorted: the schema version of the database."""
    from api.db import fetch_all

    rows = await fetch_all("SELECT app, name FROM tortoise_migrations")
    return sorted(f"{r['app']}.{r['name']}" for r in rows)


def _public_settings(settings: Settings) -> dict[str, Any]:
    from dataclasses import fields

    secret = re.compile(r"KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL", re.I)
    out = {}
    for f in fields(settings):
        env = f.metadata["env"]
        if not secret.search(env):
            value = getattr(settings, f.name)
            out[env] = value if isinstance(value, (int, float, bool)) or value is None else str(value)
    return out


# --- Backup ---------------------------------------------------------------------------------


@dataclass
class BackupResult:
    name: str
    where: str
    size: int
    sha256: str
    media: int
    missing_media: list[str]


async def create_backup(settings: Settings, to: str | None = None) -> BackupResult:
    """Write one archive to `to` (or the configured destination). Needs the database connected."""
    from media.move import named_blobs
    from media.storage import get_storage
    from search.state import get_synonyms

    dest = destination(settings, to)
    moment = _utcnow()
    name = archive_name(moment)
    with tempfile.TemporaryDirectory(prefix="guildhall-backup-") as tmp:
        work = Path(tmp)
        database = await _dump_database(settings, work)
        schema = await schema_version()
        storage = get_storage(settings)
        names = await named_blobs()
        media: list[dict[str, Any]] = []
        missing: list[str] = []
        archive = work / name

        def write() -> None:
            with tarfile.open(archive, "w") as tar:
                tar.add(work / database["file"], arcname=database["file"])
                for sha256 in names:
                    if storage.remote:
                        media.append({"sha256": sha256})
                        continue
                    path = storage.local_path(sha256)
                    if path is None:
                        missing.append(sha256)
                        continue
                    media.append({"sha256": sha256, "size": path.stat().st_size})
                    tar.add(path, arcname=f"media/{sha256[:2]}/{sha256[2:4]}/{sha256}")
                manifest = {
                    "format": FORMAT,
                    "created_at": moment.isoformat(),
                    "database": database,
                    "database_sha256": _sha256_file(work / database["file"]),
                    "schema": schema,
                    "media": {
                        "mode": "manifest" if storage.remote else "included",
                        "storage": storage.describe() if storage.remote else "disk",
                        "blobs": media,
                        "missing": missing,
                    },
                    "search": {"synonyms": synonyms},
                    "settings": _public_settings(settings),
                }
                data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mtime = len(data), int(moment.timestamp())
                tar.addfile(info, io.BytesIO(data))

        synonyms = await get_synonyms()
        await asyncio.to_thread(write)
        digest = await asyncio.to_thread(_sha256_file, archive)
        sidecar = work / f"{name}.sha256"
        sidecar.write_text(f"{digest}  {name}\n")
        await asyncio.to_thread(dest.put, archive, name)
        await asyncio.to_thread(dest.put, sidecar, sidecar.name)
        size = archive.stat().st_size
    _last_seen.clear()
    log.info("backup %s written to %s (%d bytes, %d media files)", name, dest.describe(), size, len(media))
    return BackupResult(
        name=name, where=dest.describe(), size=size, sha256=digest, media=len(media), missing_media=missing
    )


def prune(dest: Destination, keep: int) -> list[str]:
    """Delete all but the newest `keep` archives (and their checksums); the names deleted."""
    archives = sorted((n for n in dest.names() if NAME_RE.match(n)), reverse=True)
    gone = archives[keep:] if keep > 0 else []
    for name in gone:
        dest.delete(name)
        dest.delete(f"{name}.sha256")
    return gone


# --- Restore --------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    schema: list[str]
    media: int
    missing_media: list[str]
    documents: dict[str, int]


def _locate(source: str, settings: Settings, work: Path) -> Path:
    """A local copy of the archive named by `source`: a path, or an s3:// URL of one."""
    if source.startswith("s3://"):
        base, _, rest = source.partition("?")
        folder, _, name = base.rpartition("/")
        dest = BucketDestination(folder + ("?" + rest if rest else ""), settings)
        target = work / name
        if not dest.fetch(name, target):
            raise BackupError(f"no archive {source}")
        if dest.fetch(f"{name}.sha256", work / f"{name}.sha256"):
            pass
        return target
    path = Path(source.removeprefix("file://"))
    if not path.is_file():
        raise BackupError(f"no archive {path}")
    return path


def _read_archive(path: Path, work: Path) -> dict[str, Any]:
    sidecar = path.with_name(path.name + ".sha256")
    if not sidecar.is_file():
        sidecar = work / (path.name + ".sha256")
    if sidecar.is_file():
        expected = sidecar.read_text().split()[0]
        if _sha256_file(path) != expected:
            raise BackupError(f"{path.name} does not match its checksum file: the archive is damaged")
    with tarfile.open(path, "r") as tar:
        tar.extractall(work / "archive", filter="data")
    root = work / "archive"
    manifest_file = root / "manifest.json"
    if not manifest_file.is_file():
        raise BackupError(f"{path.name} is not a Guildhall backup (no manifest.json)")
    manifest: dict[str, Any] = json.loads(manifest_file.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    dump = root / manifest["database"]["file"]
    if _sha256_file(dump) != manifest["database_sha256"]:
        raise BackupError("the database dump does not match its checksum: the archive is damaged")
    return manifest


def _code_migrations() -> set[str]:
    from api.registry import load
    from api.settings import ROOT

    found = set()
    for app in load().tortoise_apps:
        for path in (ROOT / "migrations" / app).glob("[0-9]*.py"):
            found.add(f"{app}.{path.stem}")
    return found


async def _database_is_empty(settings: Settings) -> bool:
    if settings.is_sqlite:
        path = _sqlite_file(settings)
        if not path.exists():
            return True
        with sqlite3.connect(path) as conn:
            tables: int = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
        return tables == 0
    import asyncpg

    conn = await asyncpg.connect(_pg_url(settings))
    try:
        tables = int(
            await conn.fetchval("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        )
    finally:
        await conn.close()
    return tables == 0


async def _load_database(settings: Settings, manifest: dict[str, Any], root: Path) -> None:
    dump = root / manifest["database"]["file"]
    backend = manifest["database"]["backend"]
    if backend != ("sqlite" if settings.is_sqlite else "postgres"):
        raise BackupError(f"this archive holds a {backend} database; DATABASE_URL is not {backend}")
    if settings.is_sqlite:
        target = _sqlite_file(settings)
        target.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_sqlite_copy, dump, target)
        return
    import asyncpg

    conn = await asyncpg.connect(_pg_url(settings))
    try:
        server = int(await conn.fetchval("SELECT current_setting('server_version_num')")) // 10000
    finally:
        await conn.close()
    binary, _ = pg_tool("pg_restore", max(server, int(manifest["database"].get("pg_dump_major", server))))
    done = await asyncio.to_thread(
        subprocess.run,
        [
            binary,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_pg_url(settings)}",
            str(dump),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _restore_media(settings: Settings, manifest: dict[str, Any], root: Path) -> tuple[int, list[str]]:
    from media.storage import get_storage

    storage = get_storage(settings)
    restored, missing = 0, []
    for blob in manifest["media"]["blobs"]:
        sha256 = blob["sha256"]
        if manifest["media"]["mode"] == "manifest":  # the files stayed in object storage
            if not storage.exists(sha256):
                missing.append(sha256)
            continue
        path = root / "media" / sha256[:2] / sha256[2:4] / sha256
        with open(path, "rb") as stream:
            stored = storage.put_stream(stream, limit=1 << 62)
        if stored.sha256 != sha256:
            storage.delete(stored.sha256)
            raise BackupError(f"media file {sha256} in the archive is damaged")
        restored += 1
    return restored, missing


async def restore_backup(settings: Settings, source: str, *, rebuild_search: bool = True) -> RestoreResult:
    """Restore an archive on an empty database (refused otherwise), put its media back, bring
    the schema up to date and rebuild the search indexes. Connects the database itself."""
    from api.db import close_db, init_db

    with tempfile.TemporaryDirectory(prefix="guildhall-restore-") as tmp:
        work = Path(tmp)
        path = await asyncio.to_thread(_locate, source, settings, work)
        manifest = await asyncio.to_thread(_read_archive, path, work)
        newer = sorted(set(manifest["schema"]) - _code_migrations())
        if newer:
            raise BackupError(
                f"the archive comes from a newer Guildhall (migrations {', '.join(newer[:3])}...): "
                "upgrade this installation first"
            )
        if not await _database_is_empty(settings):
            raise BackupError("the database is not empty: restore only into a new, empty database")
        await _load_database(settings, manifest, work / "archive")
        media, missing = await asyncio.to_thread(_restore_media, settings, manifest, work / "archive")
    await init_db(settings)
    try:
        from api.migrate_lock import migrate_locked

        await migrate_locked(settings)  # an archive of an older version: bring it up to date
        schema = await schema_version()
        documents: dict[str, int] = {}
        if rebuild_search:
            from search.indexes import apply_settings
            from search.rebuild import rebuild

            await apply_settings(settings)
            documents = (await rebuild(settings)).documents
    finally:
        await close_db()
    return RestoreResult(schema=schema, media=media, missing_media=missing, documents=documents)


# --- Age of the last backup (for /readyz and metrics) -----------------------------------------

_last_seen: dict[str, tuple[float, datetime | None]] = {}
_CACHE_SECONDS = 60.0


def last_backup_time(settings: Settings) -> datetime | None:
    """Time of the newest archive at the configured destination (cached for a minute)."""
    import time

    key = settings.backup_to or str(settings.data_dir)
    cached = _last_seen.get(key)
    if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    try:
        times = [t for t in (archive_time(n) for n in destination(settings).names()) if t is not None]
    except Exception:  # an unreachable destination reads as "no backup"
        log.warning("cannot list backups at %s", destination(settings).describe(), exc_info=True)
        times = []
    newest = max(times) if times else None
    _last_seen[key] = (time.monotonic(), newest)
    return newest


def backup_age_seconds(settings: Settings) -> float | None:
    """Seconds since the newest backup, None when there is none: for /readyz and /metrics."""
    newest = last_backup_time(settings)
    return None if newest is None else max((_utcnow() - newest).total_seconds(), 0.0)


async def backup_status(settings: Settings) -> dict[str, Any]:
    """The `backup` entry of /readyz details (does not affect readiness)."""
    newest = await asyncio.to_thread(last_backup_time, settings)
    age = None if newest is None else max((_utcnow() - newest).total_seconds(), 0.0)
    interval = settings.backup_interval_hours * 3600
    return {
        "last": newest.isoformat() if newest else None,
        "age_seconds": None if age is None else int(age),
        "scheduled_every_hours": settings.backup_interval_hours,
        "overdue": bool(interval) and (age is None or age > 2 * interval),
    }
