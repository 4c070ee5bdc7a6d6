"""CPU-heavy work off the event loop, with bounded concurrency per kind of work.

`await run(kind, fn, *args, timeout=...)` runs `fn(*args)` elsewhere and returns its result.
Every kind has its own semaphore, so one kind (say, a flood of revision diffs) never takes
every worker from the others, and the event loop keeps answering light requests meanwhile.

Where each kind runs was decided by measurement (`python -m bench.offload`, README "Off-loop
work"): pure-Python work (Markdown rendering with markdown-it, `difflib` diffs) and Pillow's
image processing (its progressive JPEG encoder holds the GIL for seconds) stall the loop even
from a thread, because the thread holds the GIL; they run in worker processes. argon2 releases
the GIL while it hashes, so passwords are hashed in threads.

Worker processes are forked from a clean fork server (never from the app process, whose
threads and database connections must not be copied), started on first use and reused. A job
may have a time budget: past it the worker is killed (the only way to stop pure-Python work)
and replaced, and `OverBudget` is raised. A job whose caller is cancelled is stopped the same way.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import multiprocessing
import os
import signal
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from api.settings import Settings, get_settings

T = TypeVar("T")


class OverBudget(Exception):
    """The job ran longer than its time budget; it was stopped."""

    def __init__(self, kind: str, seconds: float) -> None:
        super().__init__(f"{kind} work took longer than {seconds:g} s and was stopped")
        self.kind = kind
        self.seconds = seconds


class WorkerLost(Exception):
    """The worker process died while running the job (killed by the OS, crashed)."""


@dataclass(frozen=True)
class Kind:
    name: str
    in_process: bool  # True: a worker process; False: a thread (for work that releases the GIL)
    limit: Callable[[Settings], int]  # most jobs of this kind running at once per app process


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("markdown", True, lambda s: s.cpu_workers),
        # Diffs may take seconds each: they never hold every worker, so posting stays responsive.
        Kind("diff", True, lambda s: max(1, s.cpu_workers // 2)),
        Kind("image", True, lambda s: s.media_processing_concurrency),
        # Building MIME messages (the stdlib email package: ~1-2 ms each), a batch per job.
        Kind("mail", True, lambda s: max(1, s.cpu_workers // 2)),
        # argon2id takes 64 MiB per hash: the bound is about memory as much as CPU.
        Kind("password", False, lambda s: s.password_hash_concurrency),
    )
}

# Scheduling priority of worker processes, relative to the app process (nice(2) increment).
WORKER_NICENESS = 10

# Modules the fork server imports once, so a new worker starts warm.
_PRELOAD = ["api.markdown", "api.textdiff", "media.images"]


def _serve(conn: Any) -> None:
    """The worker process: run jobs from `conn` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the app's: it stops us itself
    # Batch work yields the CPU to the app process, whose event loop answers light requests.
    os.nice(WORKER_NICENESS)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the app process closed the pipe or died
        if job is None:
            return
        fn, args, kwargs = job
        try:
            reply = (True, fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed back to the caller
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - a result or exception that cannot be pickled
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


_contexts: list[Any] = []


def _mp_context() -> Any:
    if not _contexts:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        _contexts.append(context)
    return _contexts[0]


class _Worker:
    """One worker process and its pipe. `call` blocks: it runs in a waiting thread."""

    def __init__(self) -> None:
        context = _mp_context()
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), name="guildhall-cpu", daemon=True)
        self._process.start()
        child.close()

    def call(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        try:
            self._conn.send((fn, args, kwargs))
            ok, value = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._process.join(5)
            raise WorkerLost(f"the worker process ended (exit code {self._process.exitcode})") from None
        if ok:
            return cast(T, value)
        raise value

    def kill(self) -> None:
        self._process.kill()  # SIGKILL: the blocked `call` thread then gets EOF and returns
        self._conn.close()

    def stop(self) -> None:
        try:
            self._conn.send(None)
        except (OSError, ValueError):
            pass
        self._process.join(2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(2)
        self._conn.close()


class _Offloader:
    """The semaphores, workers and threads of one event loop (one per app process)."""

    def __init__(self, settings: Settings) -> None:
        self.size = size = max(1, settings.cpu_workers)
        self.slots = {name: asyncio.Semaphore(max(1, kind.limit(settings))) for name, kind in KINDS.items()}
        self.processes = asyncio.Semaphore(size)  # workers busy at once, all kinds together
        self.idle: list[_Worker] = []
        self.workers: set[_Worker] = set()
        # Threads that wait on workers (one per worker), and threads for GIL-releasing kinds.
        self.waiting = ThreadPoolExecutor(max_workers=size, thread_name_prefix="guildhall-cpu-wait")
        threads = sum(max(1, k.limit(settings)) for k in KINDS.values() if not k.in_process)
        self.threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="guildhall-cpu")

    async def _worker(self, loop: asyncio.AbstractEventLoop) -> _Worker:
        if self.idle:
            return self.idle.pop()
        worker = await loop.run_in_executor(self.waiting, _Worker)
        self.workers.add(worker)
        return worker

    def _discard(self, worker: _Worker, call: asyncio.Future[Any]) -> None:
        self.workers.discard(worker)
        worker.kill()
        # The waiting thread now ends with WorkerLost, which nobody reads: say so to asyncio.
        call.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def in_process(
        self, job: _Job, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float | None
    ) -> T:
        loop = asyncio.get_running_loop()
        async with self.processes:
            worker = await self._worker(loop)
            job.start()
            call = loop.run_in_executor(self.waiting, worker.call, fn, args, kwargs)
            try:
                result = await asyncio.wait_for(asyncio.shield(call), timeout)
            except TimeoutError:
                if call.done():  # the job itself raised TimeoutError
                    self.idle.append(worker)
                    raise
                self._discard(worker, call)
                raise OverBudget(job.kind, timeout or 0) from None
            except asyncio.CancelledError:
                self._discard(worker, call)  # nobody waits for the result: stop the work
                raise
            except WorkerLost:
                self.workers.discard(worker)
                raise
            except BaseException:
                self.idle.append(worker)  # the job failed; the worker is fine
                raise
            finally:
                job.end()
            self.idle.append(worker)
            return result

    async def in_thread(self, job: _Job, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        loop = asyncio.get_running_loop()
        job.start()
        try:
            return await loop.run_in_executor(self.threads, functools.partial(fn, *args, **kwargs))
        finally:
            job.end()

    def close(self) -> None:
        for worker in list(self.workers):
            worker.stop()
        self.workers.clear()
        self.idle.clear()
        self.waiting.shutdown(wait=False, cancel_futures=True)
        self.threads.shutdown(wait=False, cancel_futures=True)


_offloaders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Offloader] = weakref.WeakKeyDictionary()


def _offloader() -> _Offloader:
    loop = asyncio.get_running_loop()
    offloader = _offloaders.get(loop)
    if offloader is None:
        offloader = _offloaders[loop] = _Offloader(get_settings())
    return offloader


async def run(kind: str, fn: Callable[..., T], *args: Any, timeout: float | None = None, **kwargs: Any) -> T:
    """Run `fn(*args, **kwargs)` off the event loop as work of `kind` (see `KINDS`).

    `fn` must be a module-level function and its arguments and result picklable (process
    kinds). `timeout` (seconds of running time, not of waiting for a turn) applies to process
    kinds: past it the work is stopped and `OverBudget` raised."""
    spec = KINDS[kind]
    offloader = _offloader()
    job = _Job(kind)
    try:
        async with offloader.slots[kind]:
            if spec.in_process:
                return await offloader.in_process(job, fn, args, kwargs, timeout)
            return await offloader.in_thread(job, fn, args, kwargs)
    finally:
        job.leave()


async def warm_up() -> None:
    """Start the worker processes now (app start-up), so the first heavy request does not wait
    for them; they would start on first use anyway."""
    offloader = _offloader()
    loop = asyncio.get_running_loop()
    missing = max(0, offloader.size - len(offloader.workers))
    workers = await asyncio.gather(*(loop.run_in_executor(offloader.waiting, _Worker) for _ in range(missing)))
    for worker in workers:
        offloader.workers.add(worker)
        offloader.idle.append(worker)


async def close() -> None:
    """Stop the worker processes of the running loop (app shutdown); they restart on demand."""
    offloader = _offloaders.pop(asyncio.get_running_loop(), None)
    if offloader is not None:
        await asyncio.to_thread(offloader.close)


@atexit.register
def _close_all() -> None:
    for offloader in list(_offloaders.values()):
        offloader.close()


# -- observation: counts for metrics, events for tests ----------------------------------------

_counts: dict[str, dict[str, int]] = defaultdict(lambda: {"waiting": 0, "running": 0, "done": 0})
_watches: list[Watch] = []


def stats() -> dict[str, dict[str, int]]:
    """Jobs per kind: waiting for a turn, running now, done since start (this process)."""
    return {name: dict(_counts[name]) for name in KINDS}


class _Job:
    """One call of `run`, counted as waiting, then running, then done."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.state = "waiting"
        _counts[kind]["waiting"] += 1

    def start(self) -> None:
        counts = _counts[self.kind]
        counts["waiting"] -= 1
        counts["running"] += 1
        self.state = "running"
        for watch in _watches:
            watch._seen(self.kind, "start")

    def end(self) -> None:
        counts = _counts[self.kind]
        counts["running"] -= 1
        counts["done"] += 1
        self.state = "done"
        for watch in _watches:
            watch._seen(self.kind, "end")

    def leave(self) -> None:
        if self.state == "waiting":  # cancelled or failed before its turn came
            _counts[self.kind]["waiting"] -= 1


class Watch:
    """What started and ended while watching (see `watching`)."""

    def __init__(self) -> None:
        self._started: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.ended: dict[str, int] = defaultdict(int)

    def _seen(self, kind: str, event: str) -> None:
        if event == "start":
            self._started[kind].set()
        else:
            self.ended[kind] += 1

    async def started(self, kind: str) -> None:
        """Wait until a job of `kind` has been handed to a worker."""
        await self._started[kind].wait()


@contextmanager
def watching() -> Iterator[Watch]:
    """Observe jobs as they start and end: tests use it to act while work is under way."""
    watch = Watch()
    _watches.append(watch)
    try:
        yield watch
    finally:
        _watches.remove(watch)
