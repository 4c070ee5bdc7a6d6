"""api.offload: CPU-heavy work in worker processes (or threads), bounded per kind, with time
budgets that stop runaway work. Jobs signal through files, never through sleeps."""

from __future__ import annotations

import asyncio
import os

import pytest

from api import offload
from api.settings import get_settings
from tests.platform import offload_jobs as jobs


async def test_runs_in_a_worker_process_and_reuses_it():
    first = await offload.run("markdown", jobs.pid)
    assert first != os.getpid()
    assert await offload.run("markdown", jobs.add, 2, 3, times=4) == 20
    with pytest.raises(ValueError, match="bad input"):
        await offload.run("markdown", jobs.fail, "bad input")
    # A job that raised leaves its worker usable: the pool still answers.
    assert await offload.run("markdown", jobs.add, 1, 1) == 2


async def test_over_budget_work_is_stopped_and_its_worker_replaced():
    busy_before = offload.stats()["diff"]["running"]
    with pytest.raises(offload.OverBudget, match=r"longer than 0\.2 s"):
        await offload.run("diff", jobs.spin, 60, timeout=0.2)
    assert offload.stats()["diff"]["running"] == busy_before
    # The worker that spun was killed: the next jobs run in live workers.
    pids = {await offload.run("diff", jobs.pid) for _ in range(3)}
    for pid in pids:
        os.kill(pid, 0)  # alive


async def test_a_dead_worker_is_reported_and_replaced():
    with pytest.raises(offload.WorkerLost):
        await offload.run("markdown", jobs.die)
    assert await offload.run("markdown", jobs.add, 2, 2) == 4


async def test_each_kind_is_bounded_and_the_loop_stays_free(tmp_path):
    limit = offload.KINDS["diff"].limit(get_settings())
    signal = tmp_path / "go"
    with offload.watching() as watch:
        tasks = [asyncio.create_task(offload.run("diff", jobs.wait_for_file, str(signal))) for _ in range(limit + 1)]
        await watch.started("diff")
        # The jobs block in their workers; the event loop still runs everything else.
        ticks = 0
        while ticks < 100:
            await asyncio.sleep(0)
            ticks += 1
        counts = offload.stats()["diff"]
        assert counts["running"] == limit and counts["waiting"] == 1
        assert not any(task.done() for task in tasks)
        signal.touch()
        pids = await asyncio.gather(*tasks)
    assert os.getpid() not in pids
    assert offload.stats()["diff"]["running"] == 0 and offload.stats()["diff"]["waiting"] == 0


async def test_cancelled_work_is_stopped(tmp_path):
    with offload.watching() as watch:
        task = asyncio.create_task(offload.run("diff", jobs.wait_for_file, str(tmp_path / "never")))
        await watch.started("diff")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert offload.stats()["diff"]["running"] == 0
    assert await offload.run("diff", jobs.add, 1, 2) == 3


async def test_passwords_are_hashed_in_threads():
    from api.passwords import hash_password, verify_password

    with offload.watching() as watch:
        digest = await hash_password("correct horse battery")
        assert watch.ended["password"] == 1
    assert await verify_password(digest, "correct horse battery")
    assert not await verify_password(digest, "wrong horse battery")
    assert not await verify_password(None, "anything at all")
