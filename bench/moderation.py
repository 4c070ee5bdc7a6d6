"""Moderation benchmark: `python -m bench.moderation [--requests N]`.

Three reads through GraphQL (the ASGI app in-process, called with httpx, as a moderator):
1. the review queue: 50 items per page, each with its subject, author and all its reports (3 each,
   with reporters);
2. the moderation log: 50 entries with the acting moderator;
3. the viewer's announcements: 50 with author and read state, plus the unread count.

For each: requests per second, p50 and p99 latency, and the SQL statements of one request.
`DATABASE_URL` picks the database (default: a fresh SQLite file in a temporary folder).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.forum import _measure, print_table

QUEUE = """
{ reviewQueue(first: 50, order: MOST_REPORTED) { nodes {
  id subjectType reportCount subject { title } author { username }
  reports { nodes { reason note reporter { username } } } } } }"""
LOG = "{ moderationLog(first: 50) { nodes { action subjectId reason createdAt moderator { username } } } }"
ANNOUNCEMENTS = """
{ announcements(first: 50) { nodes { id title pinned readByViewer author { username } } }
  unreadAnnouncementCount }"""


async def _seed(settings) -> str:
    from api.domain.accounts import issue_token
    from api.domain.moderation import announcements, reports, sanctions
    from api.models.accounts import Role, SanctionKind, User
    from api.models.moderation import ReportReason

    async def user(name: str, role: Role = Role.MEMBER) -> User:
        return await User.create(
            username=name,
            username_key=name,
            email=f"{name}@bench.invalid",
            password_hash="-",
            display_name=name.title(),
            role=role,
        )

    moderator = await user("moderator", Role.MODERATOR)
    members = [await user(f"member{i}") for i in range(80)]
    for i, subject in enumerate(members[:60]):
        for reporter in (members[(i + 1) % 80], members[(i + 2) % 80], members[(i + 3) % 80]):
            await reports.report(reporter, "User", subject.id, ReportReason.SPAM, "bench", settings=settings)
    for subject in members[60:80]:
        await sanctions.sanction_member(moderator, subject.id, SanctionKind.WARNING, reason="bench", settings=settings)
        await sanctions.sanction_member(
            moderator, subject.id, SanctionKind.MUTE, reason="bench", duration=timedelta(hours=1), settings=settings
        )
    for i in range(60):
        await announcements.publish_announcement(
            author_id=moderator.id, title=f"News {i}", body="**Text**", pinned=i % 10 == 0, settings=settings
        )
    return await issue_token(moderator, settings)


async def run(requests: int = 100, database_url: str | None = None) -> list[dict[str, Any]]:
    import httpx

    from api.app import create_app
    from api.db import close_db, init_db, migrate
    from api.settings import Settings, set_settings

    with tempfile.TemporaryDirectory(prefix="guildhall-bench-") as tmp:
        root = Path(tmp)
        settings = Settings.from_env(
            {
                "DATABASE_URL": database_url or f"sqlite://{root / 'bench.sqlite3'}",
                "DATA_DIR": str(root / "data"),
                "MEDIA_ROOT": str(root / "media"),
                "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijkl",
                "RUN_WORKERS": "false",
            },
            env_file=None,
        )
        set_settings(settings)
        await init_db(settings)
        await migrate(settings)
        try:
            token = await _seed(settings)
            app = create_app(settings, manage_db=False)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:

                async def graphql(query: str) -> None:
                    response = await http.post(
                        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
                    )
                    body = response.json()
                    if body.get("errors"):
                        raise RuntimeError(body["errors"])

                cases = [
                    ("review queue (50)", QUEUE),
                    ("moderation log (50)", LOG),
                    ("announcements (50)", ANNOUNCEMENTS),
                ]
                rows = []
                for name, query in cases:
                    rows.append(
                        {"read": name, "path": "GraphQL", **await _measure(lambda q=query: graphql(q), requests)}
                    )
        finally:
            await close_db()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="requests per measurement")
    args = parser.parse_args()
    print_table(asyncio.run(run(args.requests, os.environ.get("DATABASE_URL"))))


if __name__ == "__main__":
    main()
