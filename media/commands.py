"""`guildhall move-media --to object|disk`: move stored media between MEDIA_ROOT and MEDIA_STORAGE_URL."""

from __future__ import annotations

import argparse
import asyncio

from api.cli import with_db
from api.registry import Command
from api.settings import Settings


def cmd_move_media(args: argparse.Namespace, settings: Settings) -> int:
    from media.move import endpoints, move_media

    try:
        source, target = endpoints(settings, args.to)
    except ValueError as exc:
        print(f"move-media: {exc}")
        return 2

    async def run() -> int:
        print(f"moving media from {source.describe()} to {target.describe()}")
        report = await move_media(settings, args.to, delete_source=args.delete_source, progress=print)
        print(f"copied {report.copied}, already there {report.present}, deleted from the source {report.deleted}")
        for sha256 in report.missing:
            print(f"missing in both places: {sha256}")
        for sha256 in report.corrupt:
            print(f"not copied, its bytes do not match its name: {sha256}")
        if report.missing or report.corrupt:
            return 1
        if args.to == "object":
            print("done: keep MEDIA_STORAGE_URL set on every app process")
        else:
            print("done: unset MEDIA_STORAGE_URL on every app process to serve from MEDIA_ROOT")
        return 0

    return asyncio.run(with_db(settings, run))


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        choices=["object", "disk"],
        required=True,
        help="object: MEDIA_ROOT to MEDIA_STORAGE_URL; disk: back again",
    )
    parser.add_argument(
        "--delete-source", action="store_true", help="delete each blob from the source once the target holds it"
    )


MOVE_MEDIA = Command(
    "move-media",
    "copy stored media from disk to object storage or back (resumable; run again after an interruption)",
    cmd_move_media,
    _configure,
)
