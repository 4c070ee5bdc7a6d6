"""Forum benchmark: `python -m bench.forum [--requests N]`.

Two reads, each measured through GraphQL (the ASGI app in-process, called with httpx, as a
signed-in member so the anonymous read cache does not answer) and, in the same run, done
directly with the ORM (the same rows, batched the same way, turned into plain dicts):

1. the topic list: 50 topics per page with author, tags, counts and the viewer's read state;
2. a topic with 200 posts: every post with its author and reaction counts.

For each: requests per second, p50 and p99 latency, and the SQL statements of one request, with
p50 beside the ORM's (goal: at most 2.0x; the two measured side by side, their requests taking turns)
and p99 beside the row's own p50 (goal: at most 3x). The
topic list is first measured as it was (model instances completed as awaitables, CPython's default
garbage collector), then with models as values (`schema/execution.py`), then also with
`api.gctune` as a served process runs. Last, keyset cursors: page 100 of 10,000 topics beside page 1.
The database is a fresh SQLite file in a temporary folder, or with `--postgres URL` (a server
URL such as postgres://postgres@127.0.0.1:5432/postgres) a throwaway PostgreSQL database
created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.timing import interleaved

TOPIC_LIST = """
query($first: Int!) { topics(first: $first, orderBy: HOT) { nodes {
  id title replyCount reactionCount lastActivityAt pinned author { username displayName }
  tags { name } viewerReadState { unreadCount }
} } }"""
TOPIC_POSTS = """
query($id: ID!) { node(id: $id) { ... on Topic { title posts(first: 200) { nodes {
  id position body createdAt author { username displayName } reactions { reaction count viewerReacted }
} } } } }"""


DEEP_PAGE = """
query($after: String) { topics(first: 100, orderBy: NEW, after: $after) {
  pageInfo { endCursor } nodes { id title replyCount }
} }"""


async def _many_topics(settings, graphql_data) -> list[str | None]:
    """10,000 more topics, then the end cursor of each of the first 100 pages (NEW order)."""
    from api.models.accounts import User
    from api.models.forum import Space, Topic
    from api.timeutil import now

    space = await Space.first()
    author = await User.filter(username="author0").first()
    stamp = now()
    await Topic.bulk_create(
        [
            Topic(
                space_id=space.id,
                author_id=author.id,
                title=f"Deep {i}",
                body="-",
                hot=float(i % 97),
                last_activity_at=stamp,
                created_at=stamp,
            )
            for i in range(10_000)
        ],
        batch_size=1000,
    )
    cursors: list[str | None] = []
    after = None
    for _ in range(100):
        after = (await graphql_data(DEEP_PAGE, {"after": after}))["topics"]["pageInfo"]["endCursor"]
        cursors.append(after)
    return cursors


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def _count_queries(work: Callable[[], Awaitable[Any]]) -> int:
    logger = logging.getLogger("tortoise.db_client")
    counter, level = _Counter(), logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        await work()
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    return counter.count


async def _measure(work: Callable[[], Awaitable[Any]], requests: int) -> dict[str, float]:
    for _ in range(3):  # warm caches (parsers, prepared statements)
        await work()
    latencies = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(requests):
        begin = time.perf_counter()
        await work()
        latencies.append(time.perf_counter() - begin)
    total = time.perf_counter() - started
    return await _summary(work, latencies, time.process_time() - cpu_started, total)


async def _summary(
    work: Callable[[], Awaitable[Any]], latencies: list[float], cpu: float, seconds: float
) -> dict[str, float]:
    """A row's figures: `seconds` is the time the requests took (req/s), `cpu` this process's."""
    latencies = sorted(latencies)
    requests = len(latencies)
    return {
        "rps": requests / seconds,
        "cpu_ms": cpu / requests * 1000,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(requests - 1, int(requests * 0.99))] * 1000,
        "queries": await _count_queries(work),
    }


async def _measure_side_by_side(works: list[Callable[[], Awaitable[Any]]], requests: int) -> list[dict[str, float]]:
    """`_measure` of each work, their requests interleaved (`bench.timing.interleaved`). req/s is
    1 / the mean of the work's own latencies. A young-generation collection runs in whichever
    request crosses the allocation threshold, so its cost falls mostly on the read that allocates
    most (GraphQL), as when measured alone."""
    latencies, cpu = await interleaved([lambda _round, work=work: work() for work in works], requests, warmup=3)
    return [
        await _summary(work, samples, spent, sum(samples))
        for work, samples, spent in zip(works, latencies, cpu, strict=True)
    ]


async def _seed(settings) -> dict[str, Any]:
    from api.domain.accounts import issue_token
    from api.domain.forum import posts, reading, spaces, topics
    from api.models.accounts import Role, User
    from api.models.forum import Reaction

    async def user(name: str, role: Role = Role.MEMBER) -> User:
        return await User.create(
            username=name,
            username_key=name,
            email=f"{name}@bench.invalid",
            password_hash="-",
            display_name=name.title(),
            role=role,
        )

    admin = await user("admin", Role.ADMIN)
    authors = [await user(f"author{i}") for i in range(20)]
    reader = await user("reader")
    space = await spaces.create_space(admin, spaces.SpaceInput(name="Bench"))
    listed = []
    for i in range(60):
        topic = await topics.create_topic(
            authors[i % 20],
            topics.TopicInput(
                space_id=space.id,
                title=f"Topic {i}: 话题 {i}",
                body=f"Body of topic {i} with **Markdown**.",
                tags=[f"tag{i % 8}", "bench"],
            ),
            settings=settings,
        )
        listed.append(topic)
        if i % 2:
            await reading.mark_read(reader, topic.id)
    big = listed[-1]
    for i in range(200):
        post = await posts.create_post(
            authors[i % 20],
            posts.PostInput(topic_id=big.id, body=f"Reply {i}: some *text* and a [link](https://example.org/{i})."),
            settings=settings,
        )
        if i % 4 == 0:
            await Reaction.create(
                user_id=authors[(i + 1) % 20].id,
                subject_type="Post",
                subject_id=post.id,
                reaction=settings.forum_reactions[0],
            )
    return {"token": await issue_token(reader, settings), "reader": reader, "topic": big}


async def _orm_topic_list(reader_id: int) -> list[dict]:
    """The topic list straight from the ORM: the same rows the GraphQL page reads."""
    from api.domain.forum.access import space_index, topic_filter
    from api.models.accounts import User
    from api.models.forum import ReadState, Topic, TopicTag

    spaces = await space_index()
    reader = await User.get(id=reader_id)
    rows = (
        await Topic.filter(topic_filter(reader, spaces.visible_ids(reader)))
        .order_by("-pinned", "-hot", "-id")
        .limit(50)
    )
    ids = [t.id for t in rows]
    users = {u.id: u for u in await User.filter(id__in={t.author_id for t in rows})}
    tags: dict[int, list[str]] = {}
    for link in await TopicTag.filter(topic_id__in=ids).select_related("tag"):
        tags.setdefault(link.topic_id, []).append(link.tag.name)
    read = dict(
        await ReadState.filter(user_id=reader_id, topic_id__in=ids).values_list("topic_id", "last_read_position")
    )
    return [
        {
            "id": t.id,
            "title": t.title,
            "replyCount": t.reply_count,
            "reactionCount": t.reaction_count,
            "author": users[t.author_id].username,
            "tags": tags.get(t.id, []),
            "unread": max(0, t.last_position - read.get(t.id, 0)),
        }
        for t in rows
    ]


async def _orm_topic_posts(topic_id: int, reader_id: int) -> list[dict]:
    from api.domain.forum.reactions import reaction_counts, reactions_of
    from api.models.accounts import User
    from api.models.forum import Post, Topic

    topic = await Topic.get(id=topic_id)
    rows = await Post.filter(topic_id=topic.id, held=False).order_by("position").limit(200)
    ids = [p.id for p in rows]
    users = {u.id: u for u in await User.filter(id__in={p.author_id for p in rows})}
    counts = await reaction_counts("Post", ids)
    mine = await reactions_of(reader_id, "Post", ids)
    return [
        {
            "id": p.id,
            "position": p.position,
            "body": p.body,
            "author": users[p.author_id].username,
            "reactions": [(r, n, r in mine.get(p.id, set())) for r, n in counts.get(p.id, {}).items()],
        }
        for p in rows
    ]


async def run(requests: int = 200, database_url: str | None = None) -> list[dict[str, Any]]:
    """Seed a fresh database, measure, and return one row per (read, path)."""
    import httpx
    from strawberry.relay import GlobalID

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
                "PAGE_SIZE_MAX": "200",
            },
            env_file=None,
        )
        set_settings(settings)
        await init_db(settings)
        await migrate(settings)
        try:
            seeded = await _seed(settings)
            app = create_app(settings, manage_db=False)
            headers = {"Authorization": f"Bearer {seeded['token']}"}
            topic_gid = str(GlobalID("Topic", str(seeded["topic"].id)))
            reader_id = seeded["reader"].id
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:

                async def graphql_data(query: str, variables: dict) -> dict:
                    response = await http.post(
                        "/graphql", json={"query": query, "variables": variables}, headers=headers
                    )
                    body = response.json()
                    if body.get("errors"):
                        raise RuntimeError(body["errors"])
                    return body["data"]

                async def graphql(query: str, variables: dict) -> None:
                    await graphql_data(query, variables)

                from strawberry.execution import optimized_is_awaitable

                from api import gctune
                from schema import execution

                # What each change does, in the same run: first as before (models completed as
                # awaitables, CPython's default collector), then models as values, then `api.gctune`
                # as a served process applies it after start-up.
                fixed, execution.is_awaitable = execution.is_awaitable, optimized_is_awaitable
                rows = [
                    {
                        "read": "topic list (50/page)",
                        "path": "GraphQL, as before",
                        "base": "ORM",
                        **await _measure(lambda: graphql(TOPIC_LIST, {"first": 50}), requests),
                    }
                ]
                execution.is_awaitable = fixed
                rows.append(
                    {
                        "read": "topic list (50/page)",
                        "path": "GraphQL, default gc",
                        "base": "ORM",
                        **await _measure(lambda: graphql(TOPIC_LIST, {"first": 50}), requests),
                    }
                )
                gctune.settle_after_startup()
                # Each GraphQL read and its ORM baseline measured side by side.
                pairs = [
                    (
                        "topic list (50/page)",
                        lambda: graphql(TOPIC_LIST, {"first": 50}),
                        lambda: _orm_topic_list(reader_id),
                    ),
                    (
                        "topic with 200 posts",
                        lambda: graphql(TOPIC_POSTS, {"id": topic_gid}),
                        lambda: _orm_topic_posts(seeded["topic"].id, reader_id),
                    ),
                ]
                for name, through_graphql, through_orm in pairs:
                    measured = await _measure_side_by_side([through_graphql, through_orm], requests)
                    rows.append({"read": name, "path": "GraphQL", "base": "ORM", **measured[0]})
                    rows.append({"read": name, "path": "ORM", "base": None, **measured[1]})
                # Keyset cursors: page 100 of 10,000 topics beside page 1, same query shape.
                cursors = await _many_topics(settings, graphql_data)
                for label, after in (("page 1", None), ("page 100", cursors[98])):
                    rows.append(
                        {
                            "read": "10,000 topics (100/page)",
                            "path": label,
                            "base": "page 1" if after else None,
                            **await _measure(lambda after=after: graphql(DEEP_PAGE, {"after": after}), requests),
                        }
                    )
        finally:
            await close_db()
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    """Each row beside its baseline of the same run: p50 as a multiple of the baseline's p50 (goal
    for GraphQL: at most 2.0x the ORM), and p99 as a multiple of the row's own p50 (goal: at most 3x)."""
    print(
        f"{'read':<25} {'path':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'SQL':>4} "
        f"{'p50/base':>9} {'CPU/base':>9} {'p99/p50':>8}"
    )
    for row in rows:
        base = next((r for r in rows if r["read"] == row["read"] and r["path"] == row.get("base")), None)
        ratio = f"{row['p50_ms'] / base['p50_ms']:>8.2f}x" if base else f"{'':>9}"
        cpu = f"{row['cpu_ms'] / base['cpu_ms']:>8.2f}x" if base else f"{'':>9}"
        print(
            f"{row['read']:<25} {row['path']:<20} {row['rps']:>8.1f} {row['p50_ms']:>8.2f} "
            f"{row['p99_ms']:>8.2f} {row['cpu_ms']:>7.2f} {row['queries']:>4} {ratio} {cpu} "
            f"{row['p99_ms'] / row['p50_ms']:>7.2f}x"
        )
    print(
        "CPU ms: this process's CPU time per request (the database server's excluded): steadier than "
        "latency on a shared machine."
    )


async def _on_postgres(server_url: str, requests: int) -> list[dict[str, Any]]:
    import asyncpg

    name = f"guildhall_bench_{uuid.uuid4().hex[:8]}"
    admin_url = server_url.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        return await run(requests, server_url.rsplit("/", 1)[0] + "/" + name)
    finally:
        conn = await asyncpg.connect(admin_url)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    parser.add_argument("--postgres", metavar="URL", help="measure on a throwaway database of this server")
    args = parser.parse_args()
    rows = asyncio.run(_on_postgres(args.postgres, args.requests) if args.postgres else run(args.requests))
    print_table(rows)


if __name__ == "__main__":
    main()
