"""Scheduled backups: every BACKUP_INTERVAL_HOURS one app process writes an archive to
BACKUP_TO and keeps the newest BACKUP_KEEP.

Safe with several processes: the job runs under the same installation-wide lock as
migrations, and decides from the destination's own listing (the newest archive's time), so
with a shared destination (a bucket) one backup is made per interval whichever process runs it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from api.settings import Settings

log = logging.getLogger(__name__)


async def backup_if_due(settings: Settings) -> str | None:
    """Write a backup when the newest is older than the interval; the archive name, or None."""
    from api.backup import _last_seen, _utcnow, create_backup, destination, last_backup_time, prune
    from api.migrate_lock import MigrationLockTimeout, migration_lock

    if settings.backup_interval_hours <= 0:
        return None
    interval = timedelta(hours=settings.backup_interval_hours)
    try:
        async with migration_lock(settings, wait=False):  # busy: another process migrates or backs up
            _last_seen.clear()
            newest = await asyncio.to_thread(last_backup_time, settings)
            if newest is not None and _utcnow() - newest < interval:
                return None
            result = await create_backup(settings)
            gone = await asyncio.to_thread(prune, destination(settings), settings.backup_keep)
    except MigrationLockTimeout:
        return None
    if gone:
        log.info("backups pruned: %s", ", ".join(gone))
    return result.name


async def scheduled_backup_job(settings: Settings) -> None:
    from api.backup import BackupError

    try:
        await backup_if_due(settings)
    except BackupError as exc:  # e.g. no pg_dump of the server's version here: say so, retry later
        log.warning("scheduled backup failed: %s", exc)
