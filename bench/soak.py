"""Soak: a served instance under mixed traffic for a bounded time, then a consistency audit.

    python -m bench.soak [--seconds 600] [--clients 8] [--postgres URL] [--redis URL]

Runs two app processes (`guildhall serve --workers 2` when that option exists, else two
`guildhall serve` on two ports) over one fresh PostgreSQL database, Redis and a Meilisearch of
its own, every process running the background workers. A separate driver process sends mixed
traffic to 127.0.0.1 only, alternating between the processes as a load balancer would: reads
(topic lists, a topic with its posts, search), writes (topics, questions, replies, answers),
votes, image uploads, and WebSocket subscriptions (`topicActivity`) held open all along. It
stops at the deadline or after `--max-requests`, whichever comes first.

Then it waits for the search outbox to drain and checks that counts agree: topics and posts
(database rows vs what the driver was told it created), votes (one row per member and
subject, scores equal to the sum of votes), the points ledger (each balance equals the sum of
its entries), media rows vs uploads, and search documents vs rows. It prints errors per
operation, p50/p99 per operation and per minute (the first minute is the baseline the later
ones are read against), and the RSS of each app process over time. Exit status 1 when a check
fails or a request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GUILDHALL = Path(sys.executable).parent / "guildhall"
SECRET = "soak-secret-key-0123456789abcdefghijklmnop"
PASSWORD = "soak-password-0123456789"

# Operation mix (weights).
MIX = {
    "list_topics": 20,
    "read_topic": 18,
    "search": 10,
    "create_topic": 8,
    "ask_question": 4,
    "create_post": 14,
    "answer": 6,
    "vote": 14,
    "upload": 3,
}


# --------------------------------------------------------------------------------------------
# Orchestrator
# --------------------------------------------------------------------------------------------


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status
    except OSError:
        return 0


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (workers), in MB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


async def _pg(url: str, sql: str, *args: Any) -> list:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def _supports_workers() -> bool:
    done = subprocess.run([str(GUILDHALL), "serve", "--help"], capture_output=True, text=True)
    return "--workers" in done.stdout


def orchestrate(args: argparse.Namespace) -> int:
    from api.meili_process import MeiliProcess, free_port

    base = args.postgres or os.environ.get("TEST_POSTGRES_URL") or "postgres://postgres@127.0.0.1:5432/test"
    name = f"guildhall_soak_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg(base, f'CREATE DATABASE "{name}"'))
    db_url = base.rsplit("/", 1)[0] + "/" + name
    tmp = Path(tempfile.mkdtemp(prefix="guildhall-soak-"))
    meili = MeiliProcess(tmp / "meili", "soak-master-key-0123456789", port=free_port()).start()
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR", "GUILDHALL_CACHE"}}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        DATABASE_URL=db_url,
        REDIS_URL=args.redis,
        MEILI_URL=meili.url,
        MEILI_MASTER_KEY=meili.master_key,
        MEILI_INDEX_PREFIX=f"soak{uuid.uuid4().hex[:6]}",
        SECRET_KEY=SECRET,
        DATA_DIR=str(tmp / "data"),
        MEDIA_ROOT=str(tmp / "media"),
        RUN_WORKERS="true",
        WRITES_PER_MINUTE="1000000",
        MEDIA_UPLOADS_PER_MINUTE="1000000",
        LOGIN_ATTEMPTS_PER_MINUTE="1000000",
        MEDIA_QUOTA_BYTES="100000000000",
        BACKUP_INTERVAL_HOURS="0",
    )
    servers: list[subprocess.Popen] = []
    ports: list[int] = []
    logs: list[Path] = []
    status = 1
    try:
        subprocess.run([str(GUILDHALL), "migrate"], env=env, check=True, capture_output=True)
        subprocess.run(
            [str(GUILDHALL), "create-admin", "soakadmin", "soakadmin@example.org", "--password", PASSWORD],
            env=env,
            check=True,
            capture_output=True,
        )
        if _supports_workers():
            commands = [["serve", "--no-demo", "--workers", "2"]]
        else:
            commands = [["serve", "--no-demo"], ["serve", "--no-demo"]]
        for i, command in enumerate(commands):
            port = free_port()
            log = tmp / f"serve-{i}.log"
            servers.append(
                subprocess.Popen(
                    [str(GUILDHALL), *command, "--port", str(port)],
                    env=env,
                    cwd=tmp,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
            ports.append(port)
            logs.append(log)
        deadline = time.monotonic() + 180
        for server, port, log in zip(servers, ports, logs, strict=True):
            while _get(f"http://127.0.0.1:{port}/readyz") != 200:  # start-up poll
                if server.poll() is not None or time.monotonic() > deadline:
                    print(log.read_text())
                    raise SystemExit("an app process did not start")
                time.sleep(0.3)
        mode = (
            "guildhall serve --workers 2"
            if len(servers) == 1
            else "2 x guildhall serve (same database, Redis, Meilisearch)"
        )
        print(
            f"soak: {mode}; ports {ports}; {args.seconds} s, {args.clients} clients, at most {args.max_requests} requests"
        )
        results_file = tmp / "driver.json"
        driver = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.soak",
                "--drive",
                "--ports",
                ",".join(map(str, ports)),
                "--seconds",
                str(args.seconds),
                "--clients",
                str(args.clients),
                "--max-requests",
                str(args.max_requests),
                "--out",
                str(results_file),
            ],
            env=env,
            cwd=ROOT,
        )
        rss: list[tuple[float, list[float]]] = []
        started = time.monotonic()
        while driver.poll() is None:
            rss.append((time.monotonic() - started, [_rss_mb(s.pid) for s in servers]))
            try:
                driver.wait(timeout=args.rss_every)
            except subprocess.TimeoutExpired:
                pass
        rss.append((time.monotonic() - started, [_rss_mb(s.pid) for s in servers]))
        if driver.returncode != 0 or not results_file.exists():
            raise SystemExit("the driver failed")
        results = json.loads(results_file.read_text())
        checks = asyncio.run(_audit(db_url, env, results))
        status = _report(results, rss, checks, logs)
    finally:
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
        meili.stop()
        try:
            asyncio.run(_pg(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception as exc:  # noqa: BLE001
            print(f"could not drop {name}: {exc}")
    return status


async def _audit(db_url: str, env: dict[str, str], results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Wait for the outbox, then compare counts."""
    import meilisearch

    checks: list[tuple[str, bool, str]] = []
    deadline = time.monotonic() + 180
    while True:  # the workers push what is left; bounded
        pending = (await _pg(db_url, "SELECT count(*) AS n FROM search_outbox"))[0]["n"]
        if pending == 0 or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    checks.append(("search outbox drained", pending == 0, f"{pending} rows left"))
    created = results["created"]
    topics = (await _pg(db_url, "SELECT count(*) AS n FROM forum_topics WHERE deleted_at IS NULL"))[0]["n"]
    made = len(created["topics"]) + len(created["questions"])
    checks.append(
        ("topics: rows = created", topics == made, f"{topics} rows, {made} created (discussions and questions)")
    )
    posts = (await _pg(db_url, "SELECT count(*) AS n FROM forum_posts WHERE deleted_at IS NULL"))[0]["n"]
    checks.append(
        ("posts: rows = created", posts == len(created["posts"]), f"{posts} rows, {len(created['posts'])} created")
    )
    final_votes = {k: v for k, v in results["votes"].items() if v != 0}
    votes = (await _pg(db_url, "SELECT count(*) AS n FROM forum_votes WHERE value <> 0"))[0]["n"]
    checks.append(
        (
            "votes: one row per member and subject",
            votes == len(final_votes),
            f"{votes} rows, {len(final_votes)} expected",
        )
    )
    by_subject: Counter[str] = Counter()
    for key, value in final_votes.items():
        by_subject[key.split("|", 1)[1]] += value
    scores = {f"topic:{r['id']}": r["score"] for r in await _pg(db_url, "SELECT id, score FROM forum_topics")}
    scores |= {f"post:{r['id']}": r["score"] for r in await _pg(db_url, "SELECT id, score FROM forum_posts")}
    wrong = [s for s, total in by_subject.items() if scores.get(s) != total]
    wrong += [s for s, score in scores.items() if score and s not in by_subject]
    checks.append(
        ("scores = sum of votes", not wrong, f"{len(wrong)} subjects differ" + (f": {wrong[:5]}" if wrong else ""))
    )
    ledger = await _pg(
        db_url,
        """
        SELECT a.user_id, a.balance, COALESCE(SUM(e.amount), 0) AS total
        FROM engagement_point_accounts a LEFT JOIN engagement_point_entries e ON e.user_id = a.user_id
        GROUP BY a.user_id, a.balance""",
    )
    off = [r["user_id"] for r in ledger if r["balance"] != r["total"]]
    entries = (await _pg(db_url, "SELECT count(*) AS n FROM engagement_point_entries"))[0]["n"]
    checks.append(
        (
            "points: balances = ledger sums",
            not off and entries > 0,
            f"{len(ledger)} accounts, {entries} entries, {len(off)} differ",
        )
    )
    media = (await _pg(db_url, "SELECT count(*) AS n FROM media_files"))[0]["n"]
    checks.append(
        ("media: rows = uploads", media == len(created["uploads"]), f"{media} rows, {len(created['uploads'])} uploads")
    )
    client = meilisearch.Client(env["MEILI_URL"], env["MEILI_MASTER_KEY"])
    prefix = env["MEILI_INDEX_PREFIX"]
    for index, count in ((f"{prefix}_topics", topics), (f"{prefix}_posts", posts)):
        documents = client.index(index).get_stats().number_of_documents
        checks.append((f"search: {index} documents = rows", documents == count, f"{documents} documents, {count} rows"))
    received = results["subscriptions"]["events"]
    checks.append(
        (
            "subscriptions delivered events",
            received > 0 and results["subscriptions"]["errors"] == 0,
            f"{received} events on {results['subscriptions']['connections']} connections, "
            f"{results['subscriptions']['errors']} errors",
        )
    )
    return checks


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(results: dict[str, Any], rss: list[tuple[float, list[float]]], checks: list, logs: list[Path]) -> int:
    latencies: dict[str, list[float]] = results["latencies"]
    errors: dict[str, int] = results["errors"]
    total = sum(len(v) for v in latencies.values())
    print(
        f"\nrequests: {total} in {results['elapsed']:.0f} s ({total / results['elapsed']:.1f}/s), "
        f"errors: {sum(errors.values())}"
    )
    print(f"{'operation':<14}{'count':>8}{'errors':>8}{'p50 ms':>10}{'p99 ms':>10}")
    for op in sorted(latencies):
        values = latencies[op]
        print(
            f"{op:<14}{len(values):>8}{errors.get(op, 0):>8}{_pct(values, 0.5) * 1000:>10.1f}"
            f"{_pct(values, 0.99) * 1000:>10.1f}"
        )
    for sample in results["error_samples"][:10]:
        print(f"  error: {sample}")
    print("\np99 per minute, all operations (the first minute is the baseline):")
    for minute, values in sorted(results["per_minute"].items(), key=lambda kv: int(kv[0])):
        print(
            f"  minute {int(minute) + 1:>2}: {len(values):>6} requests  p50 {_pct(values, 0.5) * 1000:7.1f} ms"
            f"  p99 {_pct(values, 0.99) * 1000:7.1f} ms"
        )
    print("\nRSS of the app processes (MB) over time:")
    for at, sizes in rss:
        print(f"  {at:6.0f} s  " + "  ".join(f"{s:7.1f}" for s in sizes))
    if len(rss) > 1:
        first, last = rss[0][1], rss[-1][1]
        print("  growth: " + ", ".join(f"{a:.1f} -> {b:.1f} MB" for a, b in zip(first, last, strict=False)))
    tracebacks = sum(log.read_text().count("Traceback") for log in logs)
    print(f"\nTracebacks in the app logs: {tracebacks}")
    print("\nconsistency checks:")
    ok = True
    for label, passed, detail in checks:
        ok &= passed
        print(f"  [{'ok' if passed else 'FAIL'}] {label}: {detail}")
    return 0 if ok and not sum(errors.values()) and not tracebacks else 1


# --------------------------------------------------------------------------------------------
# Driver (a separate process): the traffic
# --------------------------------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), tuple(random.randrange(256) for _ in range(3)))
    for _ in range(20):
        image.putpixel((random.randrange(64), random.randrange(48)), tuple(random.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


WORDS = [
    "harbour",
    "ferry",
    "timetable",
    "library",
    "garden",
    "choir",
    "kayak",
    "market",
    "bakery",
    "museum",
    "river",
    "bridge",
    "lantern",
    "festival",
    "meadow",
    "orchard",
    "workshop",
    "recipe",
    "bicycle",
    "mountain",
]


def _text(n: int) -> str:
    return " ".join(random.choice(WORDS) for _ in range(n))


class Driver:
    def __init__(self, ports: list[int], clients: int, seconds: float, max_requests: int) -> None:
        self.seconds = seconds
        self.ports = ports
        self.clients = clients
        self.deadline = time.monotonic() + seconds
        self.started = time.monotonic()
        self.budget = max_requests
        self.sent = 0
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.per_minute: dict[int, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.error_samples: list[str] = []
        self.created: dict[str, list] = {"topics": [], "questions": [], "posts": [], "answers": [], "uploads": []}
        self.votes: dict[str, int] = {}
        self.authors: dict[str, str] = {}  # subject global id -> author's global id
        self.subs = {"events": 0, "connections": 0, "errors": 0}
        self.turn = 0

    def _url(self) -> str:
        self.turn += 1
        return f"http://127.0.0.1:{self.ports[self.turn % len(self.ports)]}/graphql"

    def _fail(self, op: str, message: str) -> None:
        self.errors[op] += 1
        if len(self.error_samples) < 50:
            self.error_samples.append(f"{op}: {message[:300]}")

    async def gql(
        self,
        http,
        op: str,
        query: str,
        variables: dict | None = None,
        token: str | None = None,
        files: dict | None = None,
    ) -> dict | None:
        self.sent += 1
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        begun = time.monotonic()
        try:
            if files:
                operations = json.dumps({"query": query, "variables": variables})
                response = await http.post(
                    self._url(),
                    headers={**headers, "GraphQL-Require-Preflight": "1"},
                    data={"operations": operations, "map": json.dumps({"0": ["variables.i.file"]})},
                    files=files,
                )
            else:
                response = await http.post(
                    self._url(), json={"query": query, "variables": variables or {}}, headers=headers
                )
        except Exception as exc:  # noqa: BLE001
            self._fail(op, f"{type(exc).__name__}: {exc}")
            return None
        try:
            body = response.json()
        except ValueError:
            self._fail(op, f"HTTP {response.status_code}: {response.text[:200]}")
            return None
        spent = time.monotonic() - begun
        self.latencies[op].append(spent)
        self.per_minute[int((begun - self.started) // 60)].append(spent)
        if response.status_code != 200 or body.get("errors"):
            self._fail(op, f"HTTP {response.status_code} {body.get('errors')}")
            return None
        data = body["data"]
        payload = next(iter(data.values()))
        if isinstance(payload, dict) and payload.get("errors"):
            self._fail(op, str(payload["errors"]))
            return None
        return data

    async def setup(self, http) -> tuple[str, str, list[tuple[int, str]]]:
        login = await self.gql(
            http,
            "login",
            "mutation($i: LoginInput!) { login(input: $i) { token errors { message } } }",
            {"i": {"login": "soakadmin", "password": PASSWORD}},
        )
        admin = login["login"]["token"]
        space = await self.gql(
            http,
            "setup",
            "mutation($i: CreateSpaceInput!) { createSpace(input: $i) { space { id } errors { message } } }",
            {"i": {"name": f"Soak {uuid.uuid4().hex[:6]}", "description": "soak"}},
            admin,
        )
        space_id = space["createSpace"]["space"]["id"]
        members = []
        for i in range(self.clients * 2):
            name = f"soak{i}_{uuid.uuid4().hex[:4]}"
            done = await self.gql(
                http,
                "register",
                "mutation($i: RegisterInput!) { register(input: $i) { token user { id } errors { message } } }",
                {"i": {"username": name, "email": f"{name}@example.org", "password": PASSWORD}},
            )
            members.append((done["register"]["user"]["id"], done["register"]["token"]))
        return admin, space_id, members

    async def subscriber(self, space_id: str, token: str, number: int) -> None:
        import websockets

        port = self.ports[number % len(self.ports)]  # one subscriber per app process
        while time.monotonic() < self.deadline:
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
                ) as ws:
                    self.subs["connections"] += 1
                    await ws.send(
                        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
                    )
                    await ws.recv()
                    await ws.send(
                        json.dumps(
                            {
                                "id": "1",
                                "type": "subscribe",
                                "payload": {
                                    "query": "subscription($s: ID!) { topicActivity(spaceId: $s) { action topic { id title } } }",
                                    "variables": {"s": space_id},
                                },
                            }
                        )
                    )
                    while time.monotonic() < self.deadline:
                        try:
                            message = json.loads(
                                await asyncio.wait_for(ws.recv(), max(self.deadline - time.monotonic(), 0.1))
                            )
                        except TimeoutError:
                            break
                        if message["type"] == "next":
                            if message["payload"].get("errors"):
                                self.subs["errors"] += 1
                            else:
                                self.subs["events"] += 1
                        elif message["type"] == "error":
                            self.subs["errors"] += 1
                            break
                    await ws.send(json.dumps({"id": "1", "type": "complete"}))
            except Exception as exc:  # noqa: BLE001
                self.subs["errors"] += 1
                if len(self.error_samples) < 50:
                    self.error_samples.append(f"subscription: {type(exc).__name__}: {exc}")
                await asyncio.sleep(1)

    async def client(self, http, space_id: str, members: list[tuple[str, str]]) -> None:
        ops, weights = zip(*MIX.items(), strict=True)
        while time.monotonic() < self.deadline and self.sent < self.budget:
            user_id, token = random.choice(members)
            op = random.choices(ops, weights)[0]
            await getattr(self, op)(http, space_id, user_id, token)

    async def list_topics(self, http, space_id, user_id, token) -> None:
        await self.gql(
            http,
            "list_topics",
            "query($s: ID) { topics(spaceId: $s, first: 20) { edges { node { id title replyCount score author { username } } } } }",
            {"s": space_id},
            random.choice([token, None]),
        )

    async def read_topic(self, http, space_id, user_id, token) -> None:
        pool = self.created["topics"] + self.created["questions"]
        if not pool:
            return await self.list_topics(http, space_id, user_id, token)
        await self.gql(
            http,
            "read_topic",
            "query($id: ID!) { node(id: $id) { ... on Topic { id title bodyHtml posts(first: 20) { edges { node { id bodyHtml score author { username } } } } } } }",
            {"id": random.choice(pool)},
            random.choice([token, None]),
        )

    async def search(self, http, space_id, user_id, token) -> None:
        await self.gql(
            http,
            "search",
            "query($q: String!) { search(query: $q, first: 10) { totalCount edges { node { __typename } } } }",
            {"q": random.choice(WORDS)},
            token,
        )

    async def create_topic(self, http, space_id, user_id, token) -> None:
        done = await self.gql(
            http,
            "create_topic",
            "mutation($i: CreateTopicInput!) { createTopic(input: $i) { topic { id } errors { message } } }",
            {"i": {"spaceId": space_id, "title": _text(5).title(), "body": _text(30)}},
            token,
        )
        if done:
            self.created["topics"].append(done["createTopic"]["topic"]["id"])

    async def ask_question(self, http, space_id, user_id, token) -> None:
        done = await self.gql(
            http,
            "ask_question",
            "mutation($i: AskQuestionInput!) { askQuestion(input: $i) { question { id } errors { message } } }",
            {"i": {"spaceId": space_id, "title": "How " + _text(5) + "?", "body": _text(30)}},
            token,
        )
        if done:
            self.created["questions"].append(done["askQuestion"]["question"]["id"])
            self.authors[done["askQuestion"]["question"]["id"]] = user_id

    async def create_post(self, http, space_id, user_id, token) -> None:
        if not self.created["topics"]:
            return await self.create_topic(http, space_id, user_id, token)
        done = await self.gql(
            http,
            "create_post",
            "mutation($i: CreatePostInput!) { createPost(input: $i) { post { id } errors { message } } }",
            {"i": {"topicId": random.choice(self.created["topics"]), "body": _text(20)}},
            token,
        )
        if done:
            self.created["posts"].append(done["createPost"]["post"]["id"])

    async def answer(self, http, space_id, user_id, token) -> None:
        if not self.created["questions"]:
            return await self.ask_question(http, space_id, user_id, token)
        done = await self.gql(
            http,
            "answer",
            "mutation($i: AnswerQuestionInput!) { answerQuestion(input: $i) { answer { id } errors { message } } }",
            {"i": {"questionId": random.choice(self.created["questions"]), "body": _text(20)}},
            token,
        )
        if done:
            post_id = done["answerQuestion"]["answer"]["id"]
            self.authors[post_id] = user_id
            self.created["answers"].append(post_id)
            self.created["posts"].append(post_id)

    async def vote(self, http, space_id, user_id, token) -> None:
        subjects = [("topic", s) for s in self.created["questions"]] + [("post", s) for s in self.created["answers"]]
        subjects = [(k, s) for k, s in subjects if self.authors.get(s) != user_id]  # never one's own
        if not subjects:
            return await self.answer(http, space_id, user_id, token)
        kind, subject = random.choice(subjects)
        value = random.choice(["UP", "UP", "NONE"])  # downvotes need reputation new members lack
        done = await self.gql(
            http,
            "vote",
            "mutation($i: VoteInput!) { vote(input: $i) { errors { code message } } }",
            {"i": {"subjectId": subject, "value": value}},
            token,
        )
        if done:
            self.votes[f"{user_id}|{kind}:{_raw_id(subject)}"] = {"UP": 1, "DOWN": -1, "NONE": 0}[value]

    async def upload(self, http, space_id, user_id, token) -> None:
        done = await self.gql(
            http,
            "upload",
            "mutation($i: UploadMediaInput!) { uploadMedia(input: $i) { mediaFile { id } errors { message } } }",
            {"i": {"file": None, "purpose": "POST", "alt": "soak"}},
            token,
            files={"0": ("soak.png", _png(), "image/png")},
        )
        if done:
            self.created["uploads"].append(done["uploadMedia"]["mediaFile"]["id"])

    async def run(self) -> dict[str, Any]:
        import httpx

        limits = httpx.Limits(max_connections=self.clients * 2)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            _admin, space_id, members = await self.setup(http)
            self.started = time.monotonic()
            self.deadline = self.started + self.seconds  # the traffic's own time, after set-up
            subscribers = [asyncio.create_task(self.subscriber(space_id, members[i][1], i)) for i in range(2)]
            await asyncio.gather(*(self.client(http, space_id, members) for _ in range(self.clients)))
            self.deadline = min(self.deadline, time.monotonic() + 5)  # let subscribers read what is in flight
            await asyncio.gather(*subscribers)
        return {
            "elapsed": time.monotonic() - self.started,
            "latencies": self.latencies,
            "per_minute": self.per_minute,
            "errors": dict(self.errors),
            "error_samples": self.error_samples,
            "created": self.created,
            "votes": self.votes,
            "subscriptions": self.subs,
        }


def _raw_id(global_id: str) -> str:
    from base64 import b64decode

    return b64decode(global_id).decode().split(":", 1)[1]


def drive(args: argparse.Namespace) -> int:
    ports = [int(p) for p in args.ports.split(",")]
    driver = Driver(ports, args.clients, args.seconds, args.max_requests)
    results = asyncio.run(driver.run())
    # Votes are keyed by the member's global id: store the database id the audit compares.
    results["votes"] = {f"{_raw_id(k.split('|')[0])}|{k.split('|')[1]}": v for k, v in results["votes"].items()}
    Path(args.out).write_text(json.dumps(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long traffic runs (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--max-requests", type=int, default=500_000, help="stop after this many requests")
    parser.add_argument("--postgres", help="PostgreSQL server URL (a fresh database is created and dropped)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rss-every", type=float, default=15, help="seconds between RSS samples")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return drive(args) if args.drive else orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
