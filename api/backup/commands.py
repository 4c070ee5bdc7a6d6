"""`guildhall backup [--to URL]` and `guildhall restore FILE` (see `api.backup`)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from api.cli import with_db
from api.registry import Command
from api.settings import Settings


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from api.backup import BackupError, create_backup, destination, prune

    async def run() -> int:
        try:
            result = await create_backup(settings, args.to)
        except BackupError as exc:
            print(f"backup: {exc}", file=sys.stderr)
            return 1
        print(
            f"backup {result.name} written to {result.where} ({result.size} bytes, "
            f"{result.media} media files, sha256 {result.sha256})"
        )
        for sha256 in result.missing_media:
            print(f"media file missing from storage, not in the backup: {sha256}")
        if args.prune:
            for name in await asyncio.to_thread(prune, destination(settings, args.to), settings.backup_keep):
                print(f"pruned {name}")
        return 0

    return asyncio.run(with_db(settings, run))


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from api.backup import BackupError, restore_backup

    async def run() -> int:
        try:
            result = await restore_backup(settings, args.file, rebuild_search=not args.no_search)
        except BackupError as exc:
            print(f"restore: {exc}", file=sys.stderr)
            return 1
        print(f"restored: schema at {len(result.schema)} migrations, {result.media} media files")
        for kind, count in result.documents.items():
            print(f"search {kind}: {count} documents")
        for sha256 in result.missing_media:
            print(f"media file not found in object storage: {sha256}")
        return 1 if result.missing_media else 0

    return asyncio.run(run())


def _configure_backup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", help="a folder or s3://bucket/prefix?endpoint=... (default: BACKUP_TO)")
    parser.add_argument("--prune", action="store_true", help="then keep only the newest BACKUP_KEEP archives there")


def _configure_restore(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the archive: a path, or s3://bucket/prefix/guildhall-....tar?endpoint=...")
    parser.add_argument("--no-search", action="store_true", help="do not rebuild the search indexes")


BACKUP = Command(
    "backup",
    "write one backup archive (database dump, media or their manifest, checksums)",
    cmd_backup,
    _configure_backup,
)
RESTORE = Command(
    "restore",
    "restore a backup archive on an empty database, then rebuild the search indexes",
    cmd_restore,
    _configure_restore,
)
