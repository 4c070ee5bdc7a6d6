"""`guildhall serve --workers 2`: two serving processes on one port, each running every background
job, and each piece of due work done once (proposals closed and announced, scheduled announcements
published, search outbox rows indexed)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from api.meili_process import free_port
from api.models.governance import Proposal, ProposalStatus
from api.models.moderation import Announcement
from api.timeutil import now
from tests.domain.governance_helpers import committee_with, make_overdue, open_proposal
from tests.platform.test_served import _env as served_env

GUILDHALL = Path(sys.executable).parent / "guildhall"
PROPOSALS = 6
SCHEDULED = 6


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _serve(app_settings, tmp_path: Path, port: int, log: Path, **settings: str) -> subprocess.Popen:
    """`guildhall serve --workers 2` on the test database, in a process group of its own."""
    env = served_env(app_settings, tmp_path, SCHEDULER_INTERVAL_SECONDS="0.2", CPU_WORKERS="1", **settings)
    with log.open("w") as out:
        return subprocess.Popen(
            [str(GUILDHALL), "serve", "--no-demo", "--workers", "2", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _kill_group(server: subprocess.Popen) -> None:
    """Whatever happened, nothing of this server outlives the test: a worker left running would
    go on doing jobs on the shared test database."""
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait()


async def _until(check, server: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "not done in time:\n" + log.read_text()[-5000:]
        await asyncio.sleep(0.2)


async def test_two_workers_serve_and_do_each_due_job_once(factory, app_settings, tmp_path):
    _, chair, _, committee = await committee_with(factory, app_settings, members=2)
    due = []
    for _ in range(PROPOSALS):
        proposal = await open_proposal(chair, committee, app_settings)
        await make_overdue(proposal)
        due.append(proposal.id)
    past = now() - timedelta(seconds=1)
    scheduled = [await Announcement.create(title=f"a{i}", body="b", publish_at=past) for i in range(SCHEDULED)]

    redis_url = os.environ.get("REDIS_URL_FOR_TESTS", "")
    heard: list[dict] = []
    listener = None
    if redis_url:  # with Redis, every process's publications reach one subscriber: count them
        import redis.asyncio as aioredis

        from api.pubsub import RedisBroker

        redis = aioredis.from_url(redis_url, decode_responses=True)
        pubsub = redis.pubsub()
        await pubsub.subscribe(RedisBroker.PREFIX + "announcements")

        async def listen() -> None:
            async for message in pubsub.listen():
                if message["type"] == "message":
                    heard.append(json.loads(message["data"]))

        listener = asyncio.create_task(listen())

    port = free_port()
    log = tmp_path / "serve.log"
    server = _serve(app_settings, tmp_path, port, log, RUN_WORKERS="true", REDIS_URL=redis_url)
    try:

        async def healthy() -> bool:
            return await asyncio.to_thread(_healthy, port)

        await _until(healthy, server, log)
        workers = [pid for pid in _children(server.pid) if "spawn_main" in _cmdline(pid)]
        assert len(workers) == 2, [(pid, _cmdline(pid)) for pid in _children(server.pid)]

        async def all_done() -> bool:
            closed = await Proposal.filter(
                id__in=due, status=ProposalStatus.CLOSED, announcement_id__isnull=False
            ).count()
            published = await Announcement.filter(id__in=[a.id for a in scheduled], published_at__isnull=False).count()
            return closed == PROPOSALS and published == SCHEDULED

        await _until(all_done, server, log)
    finally:
        # Stopped (gracefully: jobs finish or roll back) before counting, so no run is still under way.
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        finally:
            _kill_group(server)
        if listener is not None:
            # Redis delivers a channel's messages in the order published: once our own last one is
            # heard, every process's publications before it have been too.
            await redis.publish(RedisBroker.PREFIX + "announcements", json.dumps({"id": "end"}))
            deadline = time.monotonic() + 30
            while {"id": "end"} not in heard and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            listener.cancel()
            await pubsub.aclose()
            await redis.aclose()
    output = log.read_text()
    assert "Traceback" not in output, output
    assert server.returncode in (0, -signal.SIGTERM, 128 + signal.SIGTERM), output
    outcomes = await Announcement.filter(title__startswith="Proposal").values_list("title", flat=True)
    assert len(outcomes) == PROPOSALS, outcomes
    announced = await Proposal.filter(id__in=due).values_list("announcement_id", flat=True)
    assert len(set(announced)) == PROPOSALS
    if redis_url:
        assert {"id": "end"} in heard
        ids = [m["id"] for m in heard if m["id"] != "end"]
        expected = {a.id for a in scheduled} | set(announced)
        assert sorted(ids) == sorted(expected), ids  # each published once, by one process


async def test_workers_end_when_their_supervisor_is_killed(app_settings, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    server = _serve(app_settings, tmp_path, port, log, RUN_WORKERS="false")
    try:

        async def healthy() -> bool:
            return await asyncio.to_thread(_healthy, port)

        await _until(healthy, server, log)
        workers = [pid for pid in _children(server.pid) if "spawn_main" in _cmdline(pid)]
        assert len(workers) == 2
        server.kill()  # SIGKILL: no orderly shutdown of the workers
        server.wait()
        deadline = time.monotonic() + 60
        while any(_cmdline(pid) for pid in workers):  # the kernel tells each one (PR_SET_PDEATHSIG)
            assert time.monotonic() < deadline, "workers outlived their supervisor:\n" + log.read_text()[-5000:]
            await asyncio.sleep(0.1)
    finally:
        _kill_group(server)
