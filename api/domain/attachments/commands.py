"""`guildhall record-media-uses`: record which content uses which media file for content that
exists already, and set every used file's privacy from it (see `api.domain.attachments`)."""

from __future__ import annotations

import argparse
import asyncio

from api.cli import with_db
from api.registry import Command
from api.settings import Settings


def cmd_record_media_uses(args: argparse.Namespace, settings: Settings) -> int:
    from api.domain.attachments.backfill import backfill

    async def run() -> int:
        for kind, count in (await backfill()).items():
            print(f"{kind}: {count} checked")
        return 0

    return asyncio.run(with_db(settings, run))


RECORD_MEDIA_USES = Command(
    "record-media-uses",
    "record the media files used by existing resources, articles, topics and posts, and set their privacy",
    cmd_record_media_uses,
)
