"""Manifest of backups: `guildhall backup` and `restore`, and scheduled backups with retention."""

from api.backup.commands import BACKUP, RESTORE
from api.backup.jobs import scheduled_backup_job
from api.registry import Domain, Job

DOMAIN = Domain(
    name="backup",
    doc="Backups of a community (database dump, media, checksums), restored on an empty database.",
    jobs=(Job("backup.scheduled", scheduled_backup_job, interval=300),),
    commands=(BACKUP, RESTORE),
)
