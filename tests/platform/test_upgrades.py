"""Upgrades with several app processes: two `guildhall serve` starting together on a fresh
database migrate it once (one waits for the other's lock), then both serve; `migrate --check`
tells deploy scripts whether migrations are pending; SIGTERM drains requests in flight and
closes WebSockets with 1012 (service restart)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import websockets

from api.migrate_lock import migration_lock
from api.settings import Settings
from tests.platform.test_cli import GUILDHALL, Database, _env, _run

MIGRATION_FILES = sorted(
    f"{p.parent.name}.{p.stem}" for p in (Path(__file__).resolve().parents[2] / "migrations").glob("*/[0-9]*.py")
)


def _wait_for_line(log: Path, text: str, server: subprocess.Popen, timeout: float = 120) -> None:
    """Start-up poll: until the server's log shows `text` (it prints as it goes: unbuffered)."""
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"no {text!r} in time:\n{log.read_text()}"
        time.sleep(0.1)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except OSError:
        return 0


def _wait_ready(port: int, server: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while _status(f"http://127.0.0.1:{port}/healthz") != 200:
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "not serving in time:\n" + log.read_text()
        time.sleep(0.2)


async def _drain_and_close_on_sigterm(server: subprocess.Popen, port: int) -> None:
    body = json.dumps({"query": "{ __typename }"}).encode()
    async with websockets.connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        # A request in flight: headers and half its body sent, the rest only after SIGTERM.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        await writer.drain()
        # A later request answered: the server accepted ours first (connections are accepted in order).
        await asyncio.to_thread(lambda: _status(f"http://127.0.0.1:{port}/healthz"))
        server.send_signal(signal.SIGTERM)
        try:
            while True:
                await ws.recv()
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1012  # service restart: reconnect
        writer.write(body[10:])
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), 60)
        writer.close()
    head, _, payload = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), response
    assert json.loads(payload) == {"data": {"__typename": "Query"}}


async def test_two_processes_migrate_once_then_serve_and_drain_on_sigterm(tmp_path, meili):
    from api.meili_process import free_port

    database = await asyncio.to_thread(Database, tmp_path)  # it drives asyncpg with asyncio.run
    env = _env(
        DATABASE_URL=database.url,
        MEILI_URL=meili["url"],
        MEILI_MASTER_KEY=meili["key"],
        MEILI_INDEX_PREFIX=f"up{uuid.uuid4().hex[:6]}",
        DATA_DIR=str(tmp_path / "data"),
        MEDIA_ROOT=str(tmp_path / "media"),
        RUN_WORKERS="false",
        PYTHONUNBUFFERED="1",
    )
    settings = Settings.from_env({"DATABASE_URL": database.url, "SECRET_KEY": env["SECRET_KEY"]}, env_file=None)
    servers: list[tuple[subprocess.Popen, int, Path]] = []
    try:
        pending = _run("migrate", "--check", env=env, cwd=tmp_path, code=1).stdout
        assert f"{len(MIGRATION_FILES)} migrations pending" in pending
        # Both start while the lock is taken, so both must wait, whatever the machine's speed.
        async with migration_lock(settings):
            for name in ("a", "b"):
                port, log = free_port(), tmp_path / f"serve-{name}.log"
                process = subprocess.Popen(
                    [str(GUILDHALL), "serve", "--no-demo", "--port", str(port)],
                    env=env,
                    cwd=tmp_path,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                )
                servers.append((process, port, log))
            for process, _, log in servers:
                await asyncio.to_thread(_wait_for_line, log, "holds the migration lock; waiting", process)
        for process, port, log in servers:
            await asyncio.to_thread(_wait_ready, port, process, log)
        outcomes = sorted(
            "applied"
            if "migrations applied:" in log.read_text()
            else "up to date"
            if "migrations up to date" in log.read_text()
            else "?"
            for _, _, log in servers
        )
        assert outcomes == ["applied", "up to date"]
        recorded = await asyncio.to_thread(database.rows, "SELECT app, name FROM tortoise_migrations")
        assert sorted(f"{app}.{name}" for app, name in recorded) == MIGRATION_FILES  # each once
        assert "no migrations pending" in _run("migrate", "--check", env=env, cwd=tmp_path).stdout
        for _, port, _ in servers:
            assert _status(f"http://127.0.0.1:{port}/readyz") == 200

        process, port, log = servers[0]
        await _drain_and_close_on_sigterm(process, port)
        assert await asyncio.to_thread(process.wait, 60) in (0, 128 + signal.SIGTERM), log.read_text()
        assert "Traceback" not in log.read_text()
    finally:
        for process, _, _ in servers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        await asyncio.to_thread(database.drop)
