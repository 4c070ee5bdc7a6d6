"""`guildhall reindex`: apply index settings and rebuild the indexes from the database."""

from __future__ import annotations

import argparse
import asyncio

from api.cli import with_db
from api.registry import Command
from api.settings import Settings


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    from search.indexes import apply_settings
    from search.rebuild import RebuildRunning, rebuild

    async def run() -> int:
        await apply_settings(settings)
        try:
            report = await rebuild(settings, kind_names=args.kind or None)
        except (RebuildRunning, ValueError) as exc:
            print(f"reindex: {exc}")
            return 1
        for kind, count in report.documents.items():
            print(f"{kind}: {count} documents")
        return 0

    return asyncio.run(with_db(settings, run))


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", action="append", help="only this document kind (repeatable)")


REINDEX = Command(
    "reindex",
    "apply search settings and rebuild every index into fresh ones, swapped in when complete",
    cmd_reindex,
    _configure,
)
