"""Load benchmark: `python -m bench.load [--postgres URL] [--requests N] [--seconds S] [--concurrency C]`.

The signed-in topic list (50 topics with authors, tags and read state) served by the production entry
point (`uvicorn api.asgi:app --workers W`, as the Docker image runs it) on loopback, driven by a load
generator in another process: C keep-alive connections sending requests back to back, bounded by N
requests and S seconds. Measured for 1 worker, then for 2 workers, over the same database in one run:
req/s, p50/p99, errors (non-200 or GraphQL errors), and the RSS of each worker idle and at its peak.
The goal on a 2-core machine: 2 workers give at least 1.6x the req/s of 1, with 0 errors. The CPU
seconds each worker used and the machine's load average are printed too: on a shared machine the
second core may simply not be free.

The generator speaks HTTP/1.1 itself (pre-built request bytes, Content-Length framing): a full
client library would spend the CPU the servers need. PostgreSQL (`--postgres`, a server URL; a
throwaway database is created and dropped) is what several workers are for; SQLite is the default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.forum import TOPIC_LIST

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"


async def _seed(settings: Any) -> str:
    """60 topics (two tags each) by 20 authors in one space; a reader who opened half of them."""
    from api.db import close_db, init_db, migrate
    from api.domain.accounts import issue_token
    from api.domain.forum import spaces
    from api.models.accounts import Role, User
    from api.models.forum import ReadState, Tag, Topic, TopicTag
    from api.timeutil import now

    await init_db(settings)
    await migrate(settings)
    try:
        await User.bulk_create(
            [
                User(
                    username=f"u{i}",
                    username_key=f"u{i}",
                    email=f"u{i}@bench.invalid",
                    password_hash="-",
                    display_name=f"U{i}",
                    role=Role.ADMIN if i == 0 else Role.MEMBER,
                )
                for i in range(22)
            ]
        )
        users = list(await User.all().order_by("id"))
        admin, reader, authors = users[0], users[1], users[2:]
        space = await spaces.create_space(admin, spaces.SpaceInput(name="Load"))
        stamp = now()
        await Topic.bulk_create(
            [
                Topic(
                    space_id=space.id,
                    author_id=authors[i % 20].id,
                    title=f"Topic {i}",
                    body="Body",
                    body_html="<p>Body</p>",
                    hot=float(i),
                    last_activity_at=stamp,
                    last_position=i % 5,
                )
                for i in range(60)
            ]
        )
        topics = list(await Topic.all().order_by("id"))
        await Tag.bulk_create([Tag(name=f"tag{i}") for i in range(8)] + [Tag(name="bench")])
        tags = {t.name: t for t in await Tag.all()}
        await TopicTag.bulk_create(
            [
                TopicTag(topic_id=t.id, tag_id=tags[name].id)
                for i, t in enumerate(topics)
                for name in (f"tag{i % 8}", "bench")
            ]
        )
        await ReadState.bulk_create(
            [ReadState(user_id=reader.id, topic_id=t.id, last_read_position=1) for t in topics[::2]]
        )
        return await issue_token(reader, settings)
    finally:
        await close_db()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _workers(supervisor: int) -> list[int]:
    """uvicorn's worker processes (or the server itself when it runs one process)."""
    spawned = [p for p in _children(supervisor) if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
    return spawned or [supervisor]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- the load generator (a separate process) ---------------------------------------------------------


async def _drive(port: int, token: str, concurrency: int, requests: int, seconds: float) -> dict[str, Any]:
    body = json.dumps({"query": TOPIC_LIST, "variables": {"first": 50}}).encode()
    request = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    errors: list[str] = []
    budget = [requests]
    stop = time.perf_counter() + seconds

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while budget[0] > 0 and time.perf_counter() < stop:
                budget[0] -= 1
                begin = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                payload = await reader.readexactly(length)
                latencies.append(time.perf_counter() - begin)
                if not head.startswith(b"HTTP/1.1 200") or b'"errors"' in payload:
                    errors.append(head.split(b"\r\n", 1)[0].decode() + " " + payload[:200].decode(errors="replace"))
        finally:
            writer.close()

    started = time.perf_counter()
    results = await asyncio.gather(*(connection() for _ in range(concurrency)), return_exceptions=True)
    elapsed = time.perf_counter() - started
    errors += [repr(r) for r in results if isinstance(r, BaseException)]
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0.0,
    }


# --- the benchmark ---------------------------------------------------------------------------------


def _wait_until_up(port: int, server: subprocess.Popen, workers: int, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited early")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200 and len(_workers(server.pid)) == workers:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _measure(workers: int, env: dict[str, str], token: str, args: argparse.Namespace) -> dict[str, Any]:
    from api.meili_process import free_port

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--ws",
            "none",
        ],
        env=env,
    )
    try:
        _wait_until_up(port, server, workers)
        pids = _workers(server.pid)
        drive = [
            sys.executable,
            "-m",
            "bench.load",
            "--drive",
            str(port),
            "--token",
            token,
            "--concurrency",
            str(args.concurrency),
            "--seconds",
        ]
        # Warm every worker (imports, prepared statements, caches), then measure.
        subprocess.run([*drive, "3", "--requests", "400"], check=True, capture_output=True)
        idle = [_rss_mb(p) for p in pids]
        cpu = [_cpu_seconds(p) for p in pids]
        out = subprocess.run(
            [*drive, str(args.seconds), "--requests", str(args.requests)], check=True, capture_output=True, text=True
        ).stdout
        result = json.loads(out)
        result.update(
            workers=workers,
            rss_idle=idle,
            rss_peak=[_rss_mb(p, "VmHWM") for p in pids],
            cpu=[_cpu_seconds(p) - c for p, c in zip(pids, cpu, strict=True)],
            load=os.getloadavg()[0],
        )
        return result
    finally:
        server.terminate()
        server.wait(30)


def print_table(rows: list[dict[str, Any]], concurrency: int) -> None:
    print(
        f"Signed-in topic list (50/page), uvicorn api.asgi:app on loopback, {concurrency} connections "
        f"from a load generator in another process"
    )
    print(
        f"{'workers':>7} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  "
        f"RSS per worker idle / peak (MB); CPU s per worker; machine load"
    )
    for row in rows:
        rss = ", ".join(f"{i:.0f} / {p:.0f}" for i, p in zip(row["rss_idle"], row["rss_peak"], strict=True))
        cpu = ", ".join(f"{c:.1f}" for c in row["cpu"])
        print(
            f"{row['workers']:>7} {row['requests']:>9} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} "
            f"{row['p99_ms']:>8.1f} {row['errors']:>7}  {rss}; {cpu}; {row['load']:.1f}"
        )
        if row["first_error"]:
            print(f"        first error: {row['first_error']}")
    if len(rows) == 2:
        print(f"2 workers serve {rows[1]['rps'] / rows[0]['rps']:.2f}x the req/s of 1 (goal: at least 1.6x)")


def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    import asyncpg

    from api.settings import Settings

    with tempfile.TemporaryDirectory(prefix="guildhall-load-") as tmp:
        root = Path(tmp)
        name = None
        if args.postgres:
            name = f"guildhall_load_{uuid.uuid4().hex[:8]}"
            admin = args.postgres.replace("postgres://", "postgresql://", 1)

            async def create() -> None:
                conn = await asyncpg.connect(admin)
                await conn.execute(f'CREATE DATABASE "{name}"')
                await conn.close()

            asyncio.run(create())
            url = args.postgres.rsplit("/", 1)[0] + "/" + name
        else:
            url = f"sqlite://{root / 'load.sqlite3'}"
        env_values = {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "DATA_DIR": str(root / "data"),
            "MEDIA_ROOT": str(root / "media"),
            "RUN_WORKERS": "false",
            "MEILI_URL": "http://127.0.0.1:9",
            "LOGIN_ATTEMPTS_PER_MINUTE": "1000000",
            "WRITES_PER_MINUTE": "1000000",
            "CPU_WORKERS": "1",
        }
        try:
            token = asyncio.run(_seed(Settings.from_env(env_values, env_file=None)))
            env = {**os.environ, **env_values}
            rows = [_measure(workers, env, token, args) for workers in (1, 2)]
        finally:
            if name:

                async def drop() -> None:
                    conn = await asyncpg.connect(admin)
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    await conn.close()

                asyncio.run(drop())
    print_table(rows, args.concurrency)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="measure on a throwaway database of this server")
    parser.add_argument("--requests", type=int, default=3000, help="at most this many requests per measurement")
    parser.add_argument("--seconds", type=float, default=30.0, help="at most this long per measurement")
    parser.add_argument("--concurrency", type=int, default=50, help="keep-alive connections")
    parser.add_argument("--drive", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        print(json.dumps(asyncio.run(_drive(args.drive, args.token, args.concurrency, args.requests, args.seconds))))
    else:
        run_all(args)


if __name__ == "__main__":
    main()
