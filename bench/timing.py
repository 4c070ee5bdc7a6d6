"""Timing a read beside its baseline: one request of each in turn, in one run."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any


async def interleaved(
    works: Sequence[Callable[[int], Awaitable[Any]]], rounds: int, *, warmup: int
) -> tuple[list[list[float]], list[float]]:
    """`warmup` then `rounds` rounds of one request of each work (called with the round's number,
    the warm-up's counted from 0), the order alternating each round: a change in machine speed
    during the run weighs on a read and on its baseline alike, and neither always comes second (a
    server answers a request it has just answered faster). Returns each work's latencies and this
    process's CPU time over the timed rounds, in seconds."""
    latencies: list[list[float]] = [[] for _ in works]
    cpu = [0.0 for _ in works]
    for round_ in range(warmup + rounds):
        order = range(len(works)) if round_ % 2 == 0 else range(len(works) - 1, -1, -1)
        for i in order:
            begin, cpu_begin = time.perf_counter(), time.process_time()
            await works[i](round_)
            if round_ >= warmup:
                latencies[i].append(time.perf_counter() - begin)
                cpu[i] += time.process_time() - cpu_begin
    return latencies, cpu
