"""Platform benchmark: `python -m bench.platform [--seconds S] [--concurrency C] [--in-process]`.

Measures, in one run, requests per second and p50/p99 latency of two reads through the GraphQL
endpoint, each beside a plain Starlette JSON endpoint doing the same database read on the same
app (same middleware, same token check), and prints the GraphQL/plain ratio:

1. `viewer`: the signed-in member (the bearer token is checked on every request);
2. `users(first: 50)`: a page of 50 members, newest first.

Both are read as a signed-in member, so the anonymous read cache never answers. By default the
app runs under a real uvicorn server (one worker process) on loopback and is driven over HTTP by
an httpx client with C concurrent connections; `--in-process` calls the ASGI app directly through
httpx's ASGITransport instead. The database is a fresh SQLite file with 200 members
(`DATABASE_URL` picks another one).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

MEMBERS = 200
PAGE = 50
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
VIEWER = "{ viewer { user { id username displayName role } } }"
USERS = "query($first: Int!) { users(first: $first) { nodes { id username displayName role createdAt } } }"


def _env(database_url: str, root: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "DATA_DIR": str(root / "data"),
        "MEDIA_ROOT": str(root / "media"),
        "RUN_WORKERS": "false",
        "MEILI_URL": "http://127.0.0.1:9",
        "LOGIN_ATTEMPTS_PER_MINUTE": "1000000",
        "WRITES_PER_MINUTE": "1000000",
    }


def _user_json(user: Any) -> dict[str, Any]:
    from schema.relay import node_global_id

    return {
        "id": node_global_id("User", user.id),
        "username": user.username,
        "displayName": user.display_name,
        "role": user.role.value,
        "createdAt": user.created_at.isoformat(),
    }


def build_app(settings: Any) -> Any:
    """The Guildhall app with two plain endpoints beside /graphql doing the same reads."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from api.app import _bearer, create_app
    from api.domain.accounts import authenticate
    from api.models.accounts import User

    async def _viewer(request: Request) -> Any:
        found = await authenticate(_bearer(request.headers.get("authorization")))
        return found[0] if found else None

    async def plain_viewer(request: Request) -> JSONResponse:
        user = await _viewer(request)
        return JSONResponse({"viewer": {"user": _user_json(user)} if user else None})

    async def plain_users(request: Request) -> JSONResponse:
        await _viewer(request)
        first = min(int(request.query_params.get("first", 20)), settings.page_size_max)
        rows = await User.all().order_by("-created_at", "-id").limit(first + 1)
        return JSONResponse(
            {"users": {"nodes": [_user_json(u) for u in rows[:first]], "hasNextPage": len(rows) > first}}
        )

    app = create_app(settings)
    app.router.routes.extend([Route("/plain/viewer", plain_viewer), Route("/plain/users", plain_users)])
    return app


async def _seed(settings: Any) -> str:
    from api.db import close_db, init_db, migrate
    from api.domain.accounts import issue_token
    from api.models.accounts import User
    from api.passwords import hash_password

    await init_db(settings)
    await migrate(settings)
    try:
        password_hash = await hash_password("bench-password-0123")
        await User.bulk_create(
            [
                User(
                    username=f"member{i}",
                    username_key=f"member{i}",
                    email=f"member{i}@bench.example",
                    password_hash=password_hash,
                    display_name=f"Member {i}",
                )
                for i in range(MEMBERS)
            ]
        )
        return await issue_token(await User.get(username_key="member0"), settings)
    finally:
        await close_db()


Request = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


def _scenarios(token: str) -> list[tuple[str, str, Request]]:
    auth = {"Authorization": f"Bearer {token}"}

    def graphql(query: str, variables: dict | None = None) -> Request:
        body = {"query": query, "variables": variables or {}}
        return lambda http: http.post("/graphql", json=body, headers=auth)

    def plain(path: str) -> Request:
        return lambda http: http.get(path, headers=auth)

    return [
        ("viewer", "graphql", graphql(VIEWER)),
        ("viewer", "plain", plain("/plain/viewer")),
        (f"users(first: {PAGE})", "graphql", graphql(USERS, {"first": PAGE})),
        (f"users(first: {PAGE})", "plain", plain(f"/plain/users?first={PAGE}")),
    ]


async def _load(http: httpx.AsyncClient, request: Request, seconds: float, concurrency: int) -> dict:
    """C workers send requests back to back for `seconds`; every response must be a 200 without errors."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            begin = time.perf_counter()
            response = await request(http)
            latencies.append(time.perf_counter() - begin)
            if response.status_code != 200 or "errors" in response.json():
                raise RuntimeError(f"bad response {response.status_code}: {response.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


async def _drive(base_url: str, transport: Any, token: str, seconds: float, concurrency: int) -> list[dict]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, transport=transport, limits=limits, timeout=30) as http:
        results = []
        for read, kind, request in _scenarios(token):
            await _load(http, request, min(1.0, seconds / 3), concurrency)  # warm-up
            results.append({"read": read, "kind": kind, **await _load(http, request, seconds, concurrency)})
        return results


def _serve(port: int) -> None:
    """Child process: the app under uvicorn, settings from the environment."""
    import uvicorn

    from api.settings import Settings

    uvicorn.run(
        build_app(Settings.from_env(env_file=None)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="on",
    )


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the benchmark server exited early")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the benchmark server did not start")


def print_report(results: list[dict], mode: str, concurrency: int, seconds: float) -> None:
    print(
        f"Platform benchmark: {mode}; {concurrency} concurrent clients, {seconds:g} s per measurement; "
        f"{MEMBERS} members, signed-in requests"
    )
    print(f"{'read':<18}{'endpoint':<10}{'requests':>9}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    for row in results:
        print(
            f"{row['read']:<18}{row['kind']:<10}{row['requests']:>9}{row['rps']:>10.0f}"
            f"{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
        )
    by_key = {(r["read"], r["kind"]): r for r in results}
    for read in dict.fromkeys(r["read"] for r in results):
        gql, plain = by_key[(read, "graphql")], by_key[(read, "plain")]
        print(
            f"{read}: GraphQL serves {gql['rps'] / plain['rps']:.2f}x the plain endpoint's req/s; "
            f"p50 {gql['p50_ms'] / plain['p50_ms']:.2f}x, p99 {gql['p99_ms'] / plain['p99_ms']:.2f}x"
        )


async def run(args: argparse.Namespace) -> list[dict]:
    from api.meili_process import free_port
    from api.settings import Settings

    seconds = getattr(args, "seconds", 5.0)
    concurrency = getattr(args, "concurrency", 8)
    in_process = getattr(args, "in_process", False)
    with tempfile.TemporaryDirectory(prefix="guildhall-bench-") as tmp:
        root = Path(tmp)
        env = _env(os.environ.get("DATABASE_URL") or f"sqlite://{root / 'bench.sqlite3'}", root)
        settings = Settings.from_env(env, env_file=None)
        token = await _seed(settings)
        if in_process:
            app = build_app(settings)
            async with app.router.lifespan_context(app):
                results = await _drive("http://bench", httpx.ASGITransport(app=app), token, seconds, concurrency)
            mode = "in-process (httpx ASGITransport, no network)"
        else:
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, "-m", "bench.platform", "--serve", str(port)], env={**os.environ, **env}
            )
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_until_up(url, server)
                results = await _drive(url, None, token, seconds, concurrency)
            finally:
                server.terminate()
                server.wait(10)
            mode = "uvicorn (1 process) on loopback, httpx client in another process"
    print_report(results, mode, concurrency, seconds)
    return results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--in-process", action="store_true", help="call the ASGI app without a server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
