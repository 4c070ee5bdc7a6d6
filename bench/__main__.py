"""`python -m bench` (`make bench`): run every benchmark module present, one after the other.

A module exposes `async def run(args)` (called with this command's arguments) or `def main()`
(it parses its own arguments; it is given none here, so it runs with its defaults)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import sys
import time

FIRST = ["bench.platform", "bench.forum", "bench.search", "bench.media"]


def modules() -> list[str]:
    """Every benchmark module in this package: the platform one first, then the domains'."""
    import pkgutil

    import bench

    present = {f"bench.{m.name}" for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")}
    return [m for m in FIRST if m in present] + sorted(present - set(FIRST))


def _load(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:  # absent; a missing dependency of a present module is an error
            return None
        raise


def _takes_args(run) -> bool:
    return run is not None and list(inspect.signature(run).parameters) == ["args"]


def main(argv: list[str] | None = None) -> int:
    from bench.platform import add_arguments

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", action="append", metavar="MODULE", help="run only these modules (e.g. --only platform); repeatable"
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    wanted = [m for m in modules() if not args.only or m.split(".", 1)[1] in args.only]
    failed = []
    for name in wanted:
        module = _load(name)
        if module is None:
            print(f"== {name}: not present, skipped\n")
            continue
        print(f"== {name}")
        started = time.monotonic()
        saved_argv = sys.argv
        try:
            if _takes_args(getattr(module, "run", None)):
                asyncio.run(module.run(args))
            else:
                sys.argv = [name]
                module.main()
        except Exception as exc:  # noqa: BLE001 - report and go on with the other benchmarks
            print(f"!! {name} failed: {type(exc).__name__}: {exc}")
            failed.append(name)
        finally:
            sys.argv = saved_argv
        print(f"== {name} took {time.monotonic() - started:.0f} s\n")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
