"""Guildhall served as operators run it (`guildhall serve --host H --port P`, `uvicorn api.asgi:app`)
on this run's database, driven by real clients from the npm registry and Debian:

- GraphiQL in chromium (playwright-core), with every other host blocked: it loads from our own
  origin under its Content-Security-Policy, signs in through the headers editor, runs a query;
- Apollo Client's persisted-queries link: automatic persisted queries (hash first, by GET), and
  registered operations only with PERSISTED_QUERIES_ONLY;
- graphql-http's audit of the GraphQL over HTTP specification;
- JSON logs (one object a line, with request id, operation, viewer, status, duration, error
  code), and a client that leaves mid-request (one INFO line, no traceback);
- /metrics of two processes sharing PROMETHEUS_MULTIPROC_DIR.

The Node tools and chromium are installed by scripts/install-test-tools.sh (`make test` runs it).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.http.persisted import sha256_hex
from api.meili_process import cache_dir, free_port
from api.settings import ROOT, Settings
from tests.platform import sqlite_pass_only

GUILDHALL = Path(sys.executable).parent / "guildhall"
NODE_DIR = ROOT / "tests" / "node"
CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
VIEWER = "{ viewer { user { id } } }"


def node_tools() -> Path:
    """The folder scripts/install-test-tools.sh installed tests/node/package-lock.json into."""
    digest = hashlib.sha256(
        (NODE_DIR / "package.json").read_bytes() + (NODE_DIR / "package-lock.json").read_bytes()
    ).hexdigest()[:16]
    folder = cache_dir() / f"node-tools-{digest}"
    if not (folder / ".complete").is_file():
        pytest.fail(f"the Node test tools are not installed in {folder}: run scripts/install-test-tools.sh")
    return folder


def node(script: str, timeout: float = 120, **env: str) -> object:
    tools = node_tools()
    done = subprocess.run(
        ["node", str(NODE_DIR / script)],
        cwd=tools,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
        | {"NODE_PATH": str(tools / "node_modules"), **env},
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stderr}"
    return json.loads(done.stdout)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@dataclass
class Served:
    url: str
    log: Path
    process: subprocess.Popen

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.output().splitlines() if line.startswith("{")]

    def post(self, body: dict, headers: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.graphql,
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _env(settings: Settings, tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR", "GUILDHALL_CACHE"}}
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "MEILI_URL": settings.meili_url or "",
        "MEILI_MASTER_KEY": settings.meili_master_key,
        "MEILI_INDEX_PREFIX": settings.meili_index_prefix,
        "DATA_DIR": str(tmp / "data"),
        "MEDIA_ROOT": str(tmp / "media"),
        "RUN_WORKERS": "false",
        "PUBLIC_CACHE_SECONDS": "0",
        "LOG_FORMAT": "json",
        **extra,
    }


def start(command: list[str], env: dict[str, str], tmp: Path, port: int) -> Served:
    log = tmp / f"served-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", log, process)
    deadline = time.monotonic() + 120
    while _status(f"{served.url}/healthz") != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            served.stop()
            pytest.fail(f"{' '.join(command)} did not start:\n{served.output()}")
        time.sleep(0.1)
    return served


def serve(settings: Settings, tmp: Path, **extra: str) -> Served:
    port = free_port()
    command = [str(GUILDHALL), "serve", "--no-demo", "--host", "127.0.0.1", "--port", str(port)]
    return start(command, _env(settings, tmp, **extra), tmp, port)


@pytest.fixture(scope="module")
def served(db: Settings, tmp_path_factory) -> Iterator[Served]:
    """`guildhall serve` on this run's database (rows come and go with each test)."""
    instance = serve(db, tmp_path_factory.mktemp("served"))
    yield instance
    code = instance.stop()
    assert code in (0, 130), instance.output()
    assert "Traceback" not in instance.output(), instance.output()


def test_serve_listens_where_host_and_port_say(served):
    assert f"GraphQL API on {served.graphql} (Ctrl-C stops)" in served.output()
    assert _status(f"{served.url}/healthz") == 200


# -- GraphiQL in a browser -------------------------------------------------------------------


async def test_graphiql_works_offline_in_chromium(served, factory, tmp_path):
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no chromium at {CHROMIUM}: run scripts/install-test-tools.sh (apt-get install chromium)")
    import asyncio

    from schema.relay import node_global_id

    user, token = await factory.member_with_token()
    screenshot = tmp_path / "graphiql.png"
    report = await asyncio.to_thread(
        node,
        "graphiql.cjs",
        timeout=180,
        GRAPHIQL_URL=served.graphql,
        TOKEN=token,
        QUERY=VIEWER,
        SCREENSHOT=str(screenshot),
        USER_DATA_DIR=str(tmp_path / "chromium-profile"),
        CHROMIUM=CHROMIUM,
    )
    assert report["status"] == 200
    assert report["csp"].startswith("default-src 'none'; script-src 'self';")
    assert report["result"] == {"data": {"viewer": {"user": {"id": node_global_id("User", user.id)}}}}
    assert report["explorer"] is True
    assert report["blocked"] == []  # nothing was asked of any other host
    assert all(url.startswith(served.url + "/") for url in report["requests"]), report["requests"]
    assert {
        "/graphiql/4.1.2/graphiql.min.js",
        "/graphiql/4.1.2/react.production.min.js",
        "/graphiql/4.1.2/plugin-explorer.umd.js",
    } <= {url[len(served.url) :] for url in report["requests"]}
    assert report["cspViolations"] == [] and report["consoleErrors"] == [] and report["pageErrors"] == []
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000


# -- Apollo Client's persisted queries ----------------------------------------------------------


def _plan(*steps: dict) -> str:
    return json.dumps(list(steps))


async def test_apollo_clients_automatic_persisted_queries(served, factory):
    import asyncio

    user, token = await factory.member_with_token()
    name = f"ApolloViewer{uuid.uuid4().hex[:8]}"  # a document this server has never seen
    query = {"document": f"query {name} {{ viewer {{ user {{ id username }} }} }}", "token": token}
    login = {
        "document": "mutation ApolloLogin($i: LoginInput!) { login(input: $i) { errors { code } } }",
        "variables": {"i": {"login": user.username, "password": "not-the-password"}},
        "mutation": True,
    }
    first, second, refused = await asyncio.to_thread(
        node, "apollo-persisted.cjs", GRAPHQL_URL=served.graphql, PLAN=_plan(query, query, login)
    )
    expected = {
        "__typename": "Viewer",
        "user": {"__typename": "User", "id": first["data"]["viewer"]["user"]["id"], "username": user.username},
    }
    assert first["error"] is None and first["data"]["viewer"] == expected
    # Unknown hash by GET (404 under graphql-response+json), then the document by POST, once.
    assert [(e["method"], e["hashOnly"], e["status"]) for e in first["exchanges"]] == [
        ("GET", True, 404),
        ("POST", False, 200),
    ]
    assert json.loads(first["exchanges"][0]["body"])["errors"][0]["message"] == "PersistedQueryNotFound"
    assert first["exchanges"][1]["contentType"].startswith("application/graphql-response+json")
    # Known now: the hash alone, by GET.
    assert second["data"]["viewer"] == expected
    assert [(e["method"], e["hashOnly"], e["status"]) for e in second["exchanges"]] == [("GET", True, 200)]
    # Mutations are never sent with GET.
    assert refused["data"]["login"]["errors"] == [{"__typename": "UserError", "code": "UNAUTHENTICATED"}]
    assert {e["method"] for e in refused["exchanges"]} == {"POST"}


async def test_apollo_client_against_a_locked_down_server(db, served, factory, tmp_path):
    """The documents Apollo Client sends are registered from a manifest (what Apollo's manifest
    generator writes); then a PERSISTED_QUERIES_ONLY server runs those and nothing else."""
    import asyncio

    from api.models.persisted import PersistedOperation

    _, token = await factory.member_with_token()
    allowed = {"document": f"query Allowed{uuid.uuid4().hex[:8]} {{ viewer {{ user {{ id }} }} }}", "token": token}
    other = {"document": f"query Other{uuid.uuid4().hex[:8]} {{ viewer {{ user {{ id }} }} }}", "token": token}
    [learned] = await asyncio.to_thread(node, "apollo-persisted.cjs", GRAPHQL_URL=served.graphql, PLAN=_plan(allowed))
    sent = learned["exchanges"][-1]["sentQuery"]  # the printed document, with Apollo's __typename fields
    manifest = tmp_path / "persisted-query-manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": sha256_hex(sent), "body": sent, "name": "Allowed", "type": "query"}],
            }
        ),
        encoding="utf-8",
    )
    env = _env(db, tmp_path)
    done = await asyncio.to_thread(
        subprocess.run,
        [str(GUILDHALL), "persist-queries", str(manifest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert await PersistedOperation.filter(id=sha256_hex(sent)).exists()

    locked = await asyncio.to_thread(serve, db, tmp_path, PERSISTED_QUERIES_ONLY="true")
    try:
        ran, refused = await asyncio.to_thread(
            node, "apollo-persisted.cjs", GRAPHQL_URL=locked.graphql, PLAN=_plan(allowed, other)
        )
    finally:
        locked.stop()
    assert ran["error"] is None and ran["data"]["viewer"]["user"]["id"]
    assert [(e["method"], e["hashOnly"], e["status"]) for e in ran["exchanges"]] == [("GET", True, 200)]
    assert ran["data"]["viewer"]["user"]["id"] == learned["data"]["viewer"]["user"]["id"]
    assert refused["data"] is None and refused["error"]
    codes = [json.loads(e["body"])["errors"][0]["extensions"]["code"] for e in refused["exchanges"]]
    assert codes[-1] == "PERSISTED_QUERY_NOT_IN_LIST", refused


# -- the GraphQL over HTTP specification ---------------------------------------------------------


@sqlite_pass_only
def test_graphql_http_audit_passes(served):
    report = node("graphql-http-audit.cjs", GRAPHQL_URL=served.graphql)
    assert len(report) > 50
    failing = [r for r in report if r["status"] != "ok"]
    assert failing == [], failing


# -- logs ----------------------------------------------------------------------------------------


def _lines_with(served: Served, request_id: str, timeout: float = 10) -> list[dict]:
    """The log lines of a request (the access line is written as the response starts, so it
    is in the file once the client has the response; the wait covers buffered output)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in served.json_lines() if line.get("request_id") == request_id]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


async def test_json_logs_carry_the_request_operation_viewer_status_and_error(served, factory):
    import asyncio

    user, token = await factory.member_with_token()
    rid = f"json-log-{uuid.uuid4().hex[:8]}"
    status, body = await asyncio.to_thread(
        served.post,
        {"query": "query LoggedViewer { viewer { user { id } } }"},
        {"Authorization": f"Bearer {token}", "X-Request-ID": rid},
    )
    assert status == 200 and body["data"]["viewer"]["user"]
    [access] = await asyncio.to_thread(_lines_with, served, rid)
    assert access["logger"] == "uvicorn.access" and access["level"] == "INFO"
    assert access["operation_name"] == "LoggedViewer" and access["operation_type"] == "query"
    assert access["viewer_id"] == user.id and access["status"] == 200
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] > 0
    assert access["time"].endswith("+00:00") and "error_code" not in access

    failed = f"json-log-{uuid.uuid4().hex[:8]}"
    status, _ = await asyncio.to_thread(
        served.post,
        {"query": "query LoggedBad { nope }"},
        {"X-Request-ID": failed, "Accept": "application/graphql-response+json"},
    )
    assert status == 400
    lines = await asyncio.to_thread(_lines_with, served, failed)
    [access] = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert access["status"] == 400 and access["error_code"] == "GRAPHQL_VALIDATION_FAILED"
    assert access["operation_name"] == "LoggedBad" and "viewer_id" not in access
    for line in served.output().splitlines():  # every line is one JSON object
        json.loads(line) if line.startswith("{") else pytest.fail(f"not JSON: {line!r}")


@pytest.mark.parametrize("multipart", [False, True], ids=["json", "upload"])
async def test_a_client_leaving_mid_request_is_one_info_line(served, multipart, factory):
    import asyncio

    _, token = await factory.member_with_token()  # anonymous multipart is refused before its body
    await asyncio.to_thread(_leave_mid_request, served, multipart, token)


def _leave_mid_request(served: Served, multipart: bool, token: str) -> None:
    rid = f"gone-{uuid.uuid4().hex[:8]}"
    if multipart:
        head = (
            b"Content-Type: multipart/form-data; boundary=XX\r\nGraphQL-Require-Preflight: 1\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\n"
        )
        partial = (
            b'--XX\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query": "{ __typename }"}\r\n'
            b'--XX\r\nContent-Disposition: form-data; name="0"; filename="a.png"\r\n\r\n' + b"x" * 4000
        )
    else:
        head, partial = b"Content-Type: application/json\r\n", b'{"query": "{ __typ'
    with socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + head
            + b"Content-Length: 100000\r\nX-Request-ID: "
            + rid.encode()
            + b"\r\n\r\n"
            + partial
        )
    lines = _lines_with(served, rid)
    assert [(line["level"], line["message"]) for line in lines] == [
        ("INFO", "client disconnected before the request was read: POST /graphql")
    ]
    assert "Traceback" not in served.output() and "ClientDisconnect" not in served.output()


# -- metrics of several processes ----------------------------------------------------------------


def _scrape(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        return response.read().decode()


@sqlite_pass_only
def test_metrics_add_up_over_processes_sharing_a_multiprocess_dir(db, tmp_path):
    from tests.platform.test_metrics import value

    shared = tmp_path / "prometheus"
    shared.mkdir()
    processes = []
    try:
        for _ in range(2):  # as the Docker image runs it, twice, side by side
            port = free_port()
            env = _env(db, tmp_path, PROMETHEUS_MULTIPROC_DIR=str(shared))
            processes.append(
                start(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "api.asgi:app",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--ws",
                        "websockets-sansio",
                    ],
                    env,
                    tmp_path,
                    port,
                )
            )
        one, two = processes
        labels = {"operation": "MultiProcessProbe", "type": "query", "status": "200"}
        for served, times in ((one, 3), (two, 2)):
            for _ in range(times):
                assert served.post({"query": "query MultiProcessProbe { __typename }"})[0] == 200
        for served in processes:  # whichever process answers, the sum over both
            assert value(_scrape(served.url), "guildhall_graphql_requests_total", **labels) == 5
        # An open WebSocket on the second process, seen from the first; gone with its process.
        from websockets.sync.client import connect

        with connect(f"ws://127.0.0.1:{two.url.rsplit(':', 1)[1]}/graphql", subprotocols=["graphql-transport-ws"]):
            assert value(_scrape(one.url), "guildhall_websocket_connections") == 1
            two.stop()  # a graceful stop closes the connection, then drops the process's gauges
        text = _scrape(one.url)
        assert value(text, "guildhall_websocket_connections") == 0
        assert value(text, "guildhall_graphql_requests_total", **labels) == 5  # counts outlive their process
    finally:
        for served in processes:
            served.stop()
