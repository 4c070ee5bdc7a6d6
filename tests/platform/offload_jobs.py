"""Module-level jobs for the offload tests (worker processes import them by name)."""

from __future__ import annotations

import os
import time


def pid() -> int:
    return os.getpid()


def add(a: int, b: int, *, times: int = 1) -> int:
    return (a + b) * times


def spin(seconds: float) -> int:
    """Busy CPU for `seconds` (pure Python, holding the GIL), then this process's pid."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return os.getpid()


def fail(message: str) -> None:
    raise ValueError(message)


def die() -> None:
    os._exit(3)


def wait_for_file(path: str) -> int:
    """Return once `path` exists (a test's signal to the worker), polling the filesystem."""
    while not os.path.exists(path):
        time.sleep(0.005)
    return os.getpid()
