"""Child processes that end when their parent does, however the parent ends.

A killed `guildhall serve` (SIGKILL, the OOM killer) must not leave its Meilisearch child or its
worker processes behind: orphans would keep the port, run background jobs on the database and
hold SQLite's write lock while nobody supervises them."""

from __future__ import annotations

import os
import signal

# Set by `guildhall serve --workers N` for the worker processes it starts: the supervisor's pid.
SUPERVISOR_ENV = "GUILDHALL_SUPERVISOR_PID"


def end_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send `sig` to this process when its parent dies (Linux only; elsewhere
    nothing happens and only orderly exits stop the children)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def end_with_supervisor() -> None:
    """In a worker process of `guildhall serve --workers N`: end with the supervisor. uvicorn
    starts every worker from its main thread, so the signal follows the process, not a thread."""
    # Taken out of the environment, so no process this worker starts takes it for its own.
    supervisor = os.environ.pop(SUPERVISOR_ENV, "")
    if not supervisor.isdigit():
        return
    end_with_parent()
    if os.getppid() != int(supervisor):  # it died before the request above was in place
        os.kill(os.getpid(), signal.SIGTERM)
