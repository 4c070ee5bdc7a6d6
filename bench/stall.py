"""Stall benchmark: `python -m bench.stall [--seconds S] [--concurrency C] [--heavy H]`.

Can one member stall the server? Measures, in one run, the latency of a light query (`viewer`,
signed in, so no cache answers) on an idle server, then the same light load while H clients send
heavy requests back to back: an 8,000-line `revisionDiff` and a `createTopic` with a 100 KB
pathological Markdown body (`[*` repeated), each seconds of CPU. Prints p50/p99 of the light
query in both phases and their ratio, and what the heavy clients got done meanwhile.

The app runs under a real uvicorn server (one process, CPU_WORKERS worker processes for the heavy
work) on loopback with a fresh SQLite database; the client is this process. Requests go only to
127.0.0.1 and stop after S seconds per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.platform import _env, _load, _wait_until_up

VIEWER = "{ viewer { user { id username } } }"
DIFF = """query($a: ID!, $b: ID!) { revisionDiff(fromRevisionId: $a, toRevisionId: $b) { added removed } }"""
CREATE_TOPIC = """mutation($input: CreateTopicInput!) { createTopic(input: $input) { topic { id } errors { code } } }"""


def _article_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = ["the", "a", "forum", "member", "topic", "answer", "rule", "vote", "poll", "event", "guide"]
    lines: list[str] = []
    while len(lines) < count:
        lines += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 2))), ""]
    return lines[:count]


async def _seed(settings) -> dict:
    from api.db import close_db, init_db, migrate
    from api.domain.accounts import issue_token
    from api.domain.forum.spaces import SpaceInput, create_space
    from api.models.accounts import Role, User, Visibility
    from api.models.kb import Article, ArticleRevision, ArticleStatus
    from api.passwords import hash_password
    from schema.relay import node_global_id

    await init_db(settings)
    await migrate(settings)
    try:
        password_hash = await hash_password("bench-password-0123")
        admin = await User.create(
            username="admin",
            username_key="admin",
            email="admin@bench.example",
            password_hash=password_hash,
            display_name="Admin",
            role=Role.ADMIN,
        )
        space = await create_space(admin, SpaceInput(name="General"))
        old = _article_lines(8000, 1)
        new = list(old)
        rng = random.Random(2)
        for _ in range(250):
            new[rng.randrange(len(new))] = "edited line"
        article = await Article.create(
            title="Long guide",
            slug="long-guide",
            body="\n".join(new),
            status=ArticleStatus.PUBLISHED,
            visibility=Visibility.PUBLIC,
            created_by=admin,
            revision_number=2,
        )
        first = await ArticleRevision.create(article=article, number=1, title="Long guide", body="\n".join(old))
        second = await ArticleRevision.create(article=article, number=2, title="Long guide", body="\n".join(new))
        return {
            "token": await issue_token(admin, settings),
            "space": node_global_id("Space", space.id),
            "revisions": {
                "a": node_global_id("ArticleRevision", first.id),
                "b": node_global_id("ArticleRevision", second.id),
            },
        }
    finally:
        await close_db()


async def _heavy(http: httpx.AsyncClient, seed: dict, stop: float, done: list[tuple[str, float]]) -> None:
    auth = {"Authorization": f"Bearer {seed['token']}"}
    body = ("[*" * 50_000)[:100_000]
    index = 0
    while time.perf_counter() < stop:
        index += 1
        begin = time.perf_counter()
        if index % 2:
            response = await http.post("/graphql", headers=auth, json={"query": DIFF, "variables": seed["revisions"]})
            kind = "revisionDiff 8,000 lines"
        else:
            response = await http.post(
                "/graphql",
                headers=auth,
                json={
                    "query": CREATE_TOPIC,
                    "variables": {"input": {"spaceId": seed["space"], "title": f"Brackets {index}", "body": body}},
                },
            )
            kind = "createTopic 100 KB pathological"
        payload = response.json()
        if response.status_code != 200 or payload.get("errors"):
            raise RuntimeError(f"heavy request failed: {response.text[:300]}")
        done.append((kind, time.perf_counter() - begin))


async def _measure(url: str, seed: dict, seconds: float, concurrency: int, heavy: int) -> dict:
    auth = {"Authorization": f"Bearer {seed['token']}"}

    def light(http: httpx.AsyncClient):
        return http.post("/graphql", headers=auth, json={"query": VIEWER})

    limits = httpx.Limits(max_connections=concurrency + heavy + 2)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
        await _load(http, light, min(1.0, seconds / 3), concurrency)  # warm-up
        idle = await _load(http, light, seconds, concurrency)
        done: list[tuple[str, float]] = []
        stop = time.perf_counter() + seconds
        heavy_tasks = [asyncio.create_task(_heavy(http, seed, stop, done)) for _ in range(heavy)]
        busy = await _load(http, light, seconds, concurrency)
        await asyncio.gather(*heavy_tasks)  # the last heavy requests finish after the window
    return {"idle": idle, "busy": busy, "heavy": done}


def print_report(result: dict, seconds: float, concurrency: int, heavy: int, workers: int) -> None:
    idle, busy = result["idle"], result["busy"]
    print(
        f"Stall benchmark: uvicorn (1 process, {workers} CPU worker processes) on loopback; light query "
        f"`viewer` from {concurrency} clients, {seconds:g} s per phase"
    )
    print(f"{'phase':<34}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'idle server':<34}{idle['requests']:>9}{idle['rps']:>9.0f}{idle['p50_ms']:>9.2f}{idle['p99_ms']:>9.2f}")
    label = f"while {heavy} clients send heavy work"
    print(f"{label:<34}{busy['requests']:>9}{busy['rps']:>9.0f}{busy['p50_ms']:>9.2f}{busy['p99_ms']:>9.2f}")
    print(
        f"light query p99 under heavy load: {busy['p99_ms'] / idle['p99_ms']:.2f}x idle "
        f"(p50 {busy['p50_ms'] / idle['p50_ms']:.2f}x)"
    )
    kinds: dict[str, list[float]] = {}
    for kind, seconds_taken in result["heavy"]:
        kinds.setdefault(kind, []).append(seconds_taken)
    for kind, times in kinds.items():
        print(f"heavy: {len(times)} × {kind}, {sum(times) / len(times):.2f} s each on average")


def _serve(port: int) -> None:
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    uvicorn.run(
        create_app(Settings.from_env(env_file=None)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="on",
    )


async def run(args: argparse.Namespace) -> dict:
    from api.meili_process import free_port
    from api.settings import Settings

    seconds = getattr(args, "seconds", 5.0)
    concurrency = getattr(args, "concurrency", 8)
    heavy = getattr(args, "heavy", 2)
    with tempfile.TemporaryDirectory(prefix="guildhall-bench-") as tmp:
        root = Path(tmp)
        env = _env(f"sqlite://{root / 'bench.sqlite3'}", root)
        settings = Settings.from_env(env, env_file=None)
        seed = await _seed(settings)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.stall", "--serve", str(port)], env={**os.environ, **env}
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url, server)
            result = await _measure(url, seed, seconds, concurrency, heavy)
        finally:
            server.terminate()
            server.wait(10)
    print_report(result, seconds, concurrency, heavy, settings.cpu_workers)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each phase")
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending the light query")
    parser.add_argument("--heavy", type=int, default=2, help="clients sending heavy requests")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve)
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
