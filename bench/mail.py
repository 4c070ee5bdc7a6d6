"""Mail benchmark: `python -m bench.mail [--members N]`.

Seeds N members (default 10,000) with a daily digest and three unread notifications each, then
1. queues every digest (`send_digests`): digests per second and SQL statements per member;
2. sends them (`drain`, to a `file://` folder of .eml files): messages built and written per second.
`DATABASE_URL` picks the database (default: a fresh SQLite file in a temporary folder).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def __enter__(self) -> _Counter:
        self.logger = logging.getLogger("tortoise.db_client")
        self.level = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level)


async def _seed(members: int) -> None:
    from api.models.accounts import User
    from api.models.mail import Digest, MailPreference
    from api.models.notifications import Notification

    batch = 1000
    for start in range(0, members, batch):
        users = [
            User(
                username=f"m{i}",
                username_key=f"m{i}",
                email=f"m{i}@bench.invalid",
                password_hash="-",
                display_name=f"Member {i}",
                locale="zh-CN" if i % 4 == 0 else "",
            )
            for i in range(start, min(start + batch, members))
        ]
        await User.bulk_create(users)
    ids = await User.all().values_list("id", flat=True)
    await MailPreference.bulk_create(
        [MailPreference(user_id=i, digest=Digest.DAILY, timezone="UTC") for i in ids], batch_size=batch
    )
    await Notification.bulk_create(
        [
            Notification(user_id=i, kind=kind, message=f"Something about {kind} happened.")
            for i in ids
            for kind in ("trust.level_changed", "engagement.badge_awarded", "governance.proposal_opened")
        ],
        batch_size=batch,
    )


async def run(members: int = 10_000, database_url: str | None = None) -> list[dict[str, Any]]:
    from api.db import close_db, init_db, migrate
    from api.domain.mail.digest import send_digests
    from api.domain.mail.worker import drain
    from api.settings import Settings, set_settings
    from api.timeutil import now

    with tempfile.TemporaryDirectory(prefix="guildhall-bench-") as tmp:
        root = Path(tmp)
        settings = Settings.from_env(
            {
                "DATABASE_URL": database_url or f"sqlite://{root / 'bench.sqlite3'}",
                "DATA_DIR": str(root / "data"),
                "MEDIA_ROOT": str(root / "media"),
                "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijkl",
                "RUN_WORKERS": "false",
                "EMAIL_URL": f"file://{root / 'mail'}",
                "EMAIL_BATCH_SIZE": "500",
                "DIGEST_HOUR": "0",
            },
            env_file=None,
        )
        set_settings(settings)
        await init_db(settings)
        await migrate(settings)
        try:
            await _seed(members)
            moment = now() + timedelta(minutes=1)
            with _Counter() as sql:
                started = time.perf_counter()
                queued = await send_digests(settings, moment=moment)
                queue_seconds = time.perf_counter() - started
            started = time.perf_counter()
            sent = await drain(settings, max_batches=members)
            send_seconds = time.perf_counter() - started
            files = len(list((root / "mail").glob("*.eml")))
        finally:
            await close_db()
    return [
        {
            "step": f"queue {queued} digests",
            "per second": round(queued / queue_seconds),
            "SQL per member": round(sql.count / max(queued, 1), 2),
            "seconds": round(queue_seconds, 1),
        },
        {
            "step": f"build and write {files} messages (of {sent})",
            "per second": round(sent / send_seconds),
            "SQL per member": "",
            "seconds": round(send_seconds, 1),
        },
    ]


def print_table(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        print("  ".join(f"{k}: {v}" for k, v in row.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000, help="members with a digest due")
    args = parser.parse_args()
    print_table(asyncio.run(run(args.members, os.environ.get("DATABASE_URL"))))


if __name__ == "__main__":
    main()
