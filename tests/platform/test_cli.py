"""The `guildhall` command as a real subprocess: migrate, create-admin, seed-demo, export-schema,
check, and serve (answers /healthz, then stops cleanly on SIGINT with its Meilisearch child)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.settings import ROOT
from tests.platform import sqlite_pass_only

GUILDHALL = Path(sys.executable).parent / "guildhall"
SECRET = "cli-test-secret-key-0123456789abcdefghij"


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR", "GUILDHALL_CACHE"}}
    return {**env, "PYTHONPATH": str(ROOT), "SECRET_KEY": SECRET, **values}


def _run(*args: str, env: dict[str, str], cwd: Path, code: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([str(GUILDHALL), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    return done


class Database:
    """A fresh database of the backend under test, read back with a plain driver."""

    def __init__(self, tmp: Path) -> None:
        self.pg_name = None
        if os.environ.get("TEST_DATABASE") == "postgres":
            self.base = os.environ["TEST_POSTGRES_URL"].replace("postgres://", "postgresql://", 1)
            self.pg_name = f"guildhall_cli_{uuid.uuid4().hex[:10]}"
            self._pg(f'CREATE DATABASE "{self.pg_name}"', self.base)
            self.url = self.base.rsplit("/", 1)[0] + "/" + self.pg_name
        else:
            self.url = f"sqlite://{tmp / 'cli.sqlite3'}"

    def _pg(self, sql: str, url: str) -> list:
        import asyncio

        import asyncpg

        async def run() -> list:
            conn = await asyncpg.connect(url)
            try:
                return [tuple(r) for r in await conn.fetch(sql)]
            finally:
                await conn.close()

        return asyncio.run(run())

    def rows(self, sql: str) -> list[tuple]:
        if self.pg_name:
            return self._pg(sql, self.url)
        with sqlite3.connect(self.url[len("sqlite://") :]) as conn:
            return conn.execute(sql).fetchall()

    def drop(self) -> None:
        if self.pg_name:
            self._pg(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)', self.base)


@pytest.fixture(scope="module")
def cli(tmp_path_factory, meili) -> Iterator[tuple[Database, dict[str, str], Path]]:
    tmp = tmp_path_factory.mktemp("cli")
    database = Database(tmp)
    env = _env(
        DATABASE_URL=database.url,
        MEILI_URL=meili["url"],
        MEILI_MASTER_KEY=meili["key"],
        DATA_DIR=str(tmp / "data"),
        MEDIA_ROOT=str(tmp / "media"),
    )
    assert _run("migrate", env=env, cwd=tmp).stdout.strip().startswith("migrations applied: ")
    yield database, env, tmp
    database.drop()


def test_create_admin_creates_or_promotes_and_reports_bad_input(cli):
    database, env, tmp = cli
    done = _run("create-admin", "Root", "root@example.org", "--password", "a-long-admin-passphrase", env=env, cwd=tmp)
    assert done.stdout.strip() == "admin Root is ready"
    assert database.rows("SELECT username, role FROM users WHERE username_key = 'root'") == [("Root", "ADMIN")]
    weak = _run("create-admin", "other", "other@example.org", "--password", "short", env=env, cwd=tmp, code=1)
    assert weak.stderr.startswith("error: ") and len(weak.stderr.strip().splitlines()) == 1
    assert database.rows("SELECT count(*) FROM users WHERE username_key = 'other'") == [(0,)]


def test_seed_demo_loads_once(cli):
    database, env, tmp = cli
    assert _run("seed-demo", env=env, cwd=tmp).stdout.strip() == "demo data loaded"
    users = dict(database.rows("SELECT username, role FROM users"))
    assert users["admin"] == "ADMIN" and users["mod"] == "MODERATOR" and "李明" in users
    again = _run("seed-demo", env=env, cwd=tmp).stdout
    assert "already present" in again
    assert dict(database.rows("SELECT username, role FROM users")) == users


def test_export_schema_writes_the_sdl(tmp_path, capsys):
    from api.cli import main
    from schema import schema_sdl

    target = tmp_path / "out.graphql"
    assert main(["export-schema", "--output", str(target)]) == 0  # in-process: it needs no database
    assert capsys.readouterr().out.strip() == f"wrote {target}"
    assert target.read_text(encoding="utf-8") == schema_sdl()


def test_check_reports_each_service(cli):
    from api.meili_process import free_port

    _, env, tmp = cli
    ok = _run("check", env=env, cwd=tmp)
    assert ok.stdout.splitlines()[0] == "database: ok"
    assert ok.stdout.splitlines()[1].startswith("search: ok")
    down = _run("check", env={**env, "MEILI_URL": f"http://127.0.0.1:{free_port()}"}, cwd=tmp, code=1)
    assert "database: ok" in down.stdout and "search: unreachable" in down.stdout
    no_db = _run("check", env={**env, "DATABASE_URL": f"postgres://u:p@127.0.0.1:{free_port()}/none"}, cwd=tmp, code=1)
    assert no_db.stdout.startswith("database: unreachable") and "search: ok" in no_db.stdout
    assert "Traceback" not in no_db.stderr


def _get(url: str, data: bytes | None = None, request_id: str = "") -> tuple[int, bytes]:
    headers = {"content-type": "application/json", **({"x-request-id": request_id} if request_id else {})}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status, response.read()
    except OSError:
        return 0, b""


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _stop(server: subprocess.Popen, data_dir: Path) -> None:
    """After a failure: stop the server, then any Meilisearch child it could not stop."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for pid in _processes_mentioning(str(data_dir / "meilisearch")):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


@sqlite_pass_only
def test_serve_answers_then_stops_cleanly_on_sigint_with_its_meilisearch(tmp_path, meili):
    from api.meili_process import LOCAL_PORT, free_port

    port = free_port()
    data_dir = tmp_path / f"data-{uuid.uuid4().hex[:6]}"
    env = _env(
        DATABASE_URL=f"sqlite://{tmp_path / 'serve.sqlite3'}",
        DATA_DIR=str(data_dir),
        MEDIA_ROOT=str(tmp_path / "media"),
        RUN_WORKERS="false",
    )
    own_meili = _get(f"http://127.0.0.1:{LOCAL_PORT}/health")[0] == 0
    if not own_meili:  # 7700 is taken (someone's `make run`): use the test server instead
        env.update(MEILI_URL=meili["url"], MEILI_MASTER_KEY=meili["key"])
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [str(GUILDHALL), "serve", "--port", str(port)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        # Generous: first start migrates, loads every domain's demo data and indexes it.
        deadline = time.monotonic() + 180
        while _get(f"http://127.0.0.1:{port}/healthz")[0] != 200:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "no /healthz in time:\n" + (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        status, body = _get(
            f"http://127.0.0.1:{port}/graphql", json.dumps({"query": '{ user(username: "admin") { role } }'}).encode()
        )
        assert status == 200 and json.loads(body) == {"data": {"user": {"role": "ADMIN"}}}  # demo data
        assert _get(f"http://127.0.0.1:{port}/readyz", request_id="serve-test-42")[0] == 200
        children = _processes_mentioning(str(data_dir / "meilisearch")) if own_meili else []
        assert len(children) == (1 if own_meili else 0)
        server.send_signal(signal.SIGINT)
        code = server.wait(timeout=30)
        left_behind = _processes_mentioning(str(data_dir / "meilisearch"))  # before any clean-up
    finally:
        _stop(server, data_dir)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert code in (0, 130), output
    assert "Traceback" not in output, output
    assert re.search(r"\[serve-test-42\] uvicorn\.access: .*GET /readyz", output), output  # ids in logs
    assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 0
    if own_meili:
        assert left_behind == []
        assert _get(f"http://127.0.0.1:{LOCAL_PORT}/health")[0] == 0


@sqlite_pass_only
def test_the_production_entry_point_logs_request_ids(tmp_path):
    """`uvicorn api.asgi:app`, as the Docker image runs it: access lines carry the request id."""
    from api.meili_process import free_port

    port = free_port()
    env = _env(
        DATABASE_URL=f"sqlite://{tmp_path / 'asgi.sqlite3'}",
        DATA_DIR=str(tmp_path / "data"),
        MEDIA_ROOT=str(tmp_path / "media"),
        RUN_WORKERS="false",
        MEILI_URL="http://127.0.0.1:9",
    )
    log = (tmp_path / "asgi.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.asgi:app", "--port", str(port), "--ws", "websockets-sansio"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while _get(f"http://127.0.0.1:{port}/healthz", request_id="asgi-test-7")[0] != 200:
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "asgi.log").read_text()
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        log.close()
    output = (tmp_path / "asgi.log").read_text()
    assert re.search(r"\[asgi-test-7\] uvicorn\.access: .*GET /healthz", output), output


@sqlite_pass_only
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_serve_never_leaves_its_meilisearch_behind(tmp_path, sig):
    """Process managers stop with SIGTERM, and sometimes SIGKILL: the bundled Meilisearch goes too."""
    from api.meili_process import LOCAL_PORT, free_port

    if _get(f"http://127.0.0.1:{LOCAL_PORT}/health")[0] != 0:
        pytest.skip(f"port {LOCAL_PORT} is used by another Meilisearch (a running `make run`)")
    port = free_port()
    data_dir = tmp_path / "data"
    env = _env(
        DATABASE_URL=f"sqlite://{tmp_path / 'serve.sqlite3'}",
        DATA_DIR=str(data_dir),
        MEDIA_ROOT=str(tmp_path / "media"),
        RUN_WORKERS="false",
    )
    env.pop("MEILI_URL", None)
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [str(GUILDHALL), "serve", "--no-demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while _get(f"http://127.0.0.1:{port}/healthz")[0] != 200:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        assert len(_processes_mentioning(str(data_dir / "meilisearch"))) == 1
        server.send_signal(sig)
        server.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _processes_mentioning(str(data_dir / "meilisearch")) and time.monotonic() < deadline:
            time.sleep(0.1)
        left_behind = _processes_mentioning(str(data_dir / "meilisearch"))
    finally:
        _stop(server, data_dir)
        log.close()
    assert left_behind == []
    assert _get(f"http://127.0.0.1:{LOCAL_PORT}/health")[0] == 0
