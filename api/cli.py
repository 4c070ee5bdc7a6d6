"""The `guildhall` command: serve, migrate, create-admin, seed-demo, export-schema, check, and
the commands of the domains' manifests (`commands=`)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from api.registry import load as load_registry
from api.registry import registry
from api.settings import ROOT, Settings, SettingsError, get_settings

SCHEMA_FILE = ROOT / "schema.graphql"
EVENTS_FILE = ROOT / "docs" / "events.md"


async def with_db(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    """Run `work()` with the database connected (for commands; closed afterwards)."""
    from api.db import close_db, init_db

    await init_db(settings)
    try:
        return await work()
    finally:
        await close_db()


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from api.migrate_lock import migrate_locked, pending_migrations

    async def run() -> int:
        if args.check:  # for deploy scripts: exit 1 when migrations are pending
            pending = await pending_migrations(settings)
            for name in pending:
                print(f"pending: {name}")
            print(f"{len(pending)} migrations pending" if pending else "no migrations pending")
            return 1 if pending else 0
        await migrate_locked(settings, report=print)
        return 0

    return asyncio.run(with_db(settings, run))


def cmd_create_admin(args: argparse.Namespace, settings: Settings) -> int:
    from api.domain.accounts import create_admin
    from api.errors import DomainError

    password = args.password or getpass.getpass("Password: ")

    async def run() -> int:
        try:
            user = await create_admin(args.username, args.email, password, settings)
        except DomainError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        print(f"admin {user.username} is ready")
        return 0

    return asyncio.run(with_db(settings, run))


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from api.demo import seed_demo

    async def run() -> int:
        created = await seed_demo(settings, force=args.force)
        print("demo data loaded" if created else "demo data already present (use --force to add again)")
        return 0

    return asyncio.run(with_db(settings, run))


def cmd_export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from schema import schema_sdl

    target = Path(args.output)
    target.write_text(schema_sdl(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


def cmd_export_events(args: argparse.Namespace, settings: Settings) -> int:
    from api.events import catalogue

    loaded = registry()
    owners = {e.name: d.name for d in loaded.domains for e in d.events}
    target = Path(args.output)
    target.write_text(catalogue(loaded.events, loaded.handlers_of, owners, loaded.histories), encoding="utf-8")
    print(f"wrote {target}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from search.client import is_healthy, meili_url

    async def run() -> int:
        from api.db import connection

        ok = True
        try:
            await connection().execute_query("SELECT 1")
            print("database: ok")
        except Exception as exc:  # noqa: BLE001
            print(f"database: unreachable ({type(exc).__name__}: {exc})")
            ok = False
        if await is_healthy(settings):
            print(f"search: ok ({meili_url(settings)})")
        else:
            print(f"search: unreachable ({meili_url(settings)})")
            ok = False
        return 0 if ok else 1

    return asyncio.run(with_db(settings, run))


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app
    from api.logging_setup import configure_logging
    from api.meili_process import MeiliProcess

    configure_logging(settings.debug, settings.log_format)

    def say(message: str) -> None:
        # What serve tells its operator: a log line too when logs are JSON (one object a line).
        if settings.log_format == "json":
            logging.getLogger("guildhall.serve").info(message)
        else:
            print(message, flush=True)

    if args.host:
        settings = settings.replace(host=args.host)
    if args.port:
        settings = settings.replace(port=args.port)
    meili = None
    if not settings.meili_url:
        meili = MeiliProcess(settings.data_dir / "meilisearch", settings.meili_master_key).start()
        say(f"Meilisearch {meili.url} (data in {meili.data_dir})")
    try:

        async def prepare() -> int:
            from api.migrate_lock import migrate_locked

            async def first_run() -> None:
                if not args.no_demo:
                    from api.demo import seed_demo

                    if await seed_demo(settings):
                        say("demo data loaded (first run); sign in as admin / Guildhall-demo-2026")

            # One process migrates (and seeds a first run) under the lock; the others wait.
            await migrate_locked(settings, report=say, then=first_run)
            from api.bootstrap import run_startup_hooks

            await run_startup_hooks(settings)
            return 0

        asyncio.run(with_db(settings, prepare))
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        say(f"GraphQL API on http://{host}:{settings.port}/graphql (Ctrl-C stops)")
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it; this handler turns that
        # into an exit that runs the `finally` below, so Meilisearch is stopped too.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        workers = serving_processes(args.workers if args.workers is not None else settings.workers)
        if workers > 1:
            # uvicorn's supervisor starts (and restarts) the processes; each imports `api.asgi`,
            # which reads the same environment, and shares its metrics through one folder.
            if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                from api.metrics import prepare_multiprocess_dir

                prepare_multiprocess_dir(settings.data_dir / "metrics" / str(os.getpid()))
            # Workers end with this process even if it is killed (api.orphans).
            from api.orphans import SUPERVISOR_ENV

            os.environ[SUPERVISOR_ENV] = str(os.getpid())
            say(f"{workers} worker processes")
        uvicorn.run(
            "api.asgi:app" if workers > 1 else create_app(settings),
            workers=workers if workers > 1 else None,
            host=settings.host,
            port=settings.port,
            log_level="debug" if settings.debug else "info",
            ws="websockets-sansio",
            proxy_headers=False,  # create_app trusts X-Forwarded-* from FORWARDED_ALLOW_IPS only, in every worker
            # SIGTERM: stop accepting, close WebSockets with 1012 (service restart: clients
            # reconnect), finish the requests in flight for up to this long, then stop.
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
            log_config=None,  # keep configure_logging's handler: access lines carry the request id
        )
    finally:
        if meili is not None:
            meili.stop()
    return 0


def serving_processes(workers: int) -> int:
    """How many processes serve: `workers`, or one per CPU core for 0."""
    return workers if workers > 0 else (os.cpu_count() or 1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guildhall", description="Guildhall community backend")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, load demo data on first run, and serve the API")
    serve.add_argument("--host", default=None, help="interface to listen on (default: HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default: PORT, 8000)")
    serve.add_argument(
        "--workers", type=int, default=None, help="serving processes (default: WORKERS, 1; 0: one per CPU core)"
    )
    serve.add_argument("--no-demo", action="store_true", help="do not load demo data")
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", help="apply database migrations (one process at a time)")
    migrate.add_argument("--check", action="store_true", help="only tell whether migrations are pending (exit 1)")
    migrate.set_defaults(func=cmd_migrate)
    admin = sub.add_parser("create-admin", help="create an admin (or promote an existing member)")
    admin.add_argument("username")
    admin.add_argument("email")
    admin.add_argument("--password", help="read from the terminal when omitted")
    admin.set_defaults(func=cmd_create_admin)
    seed = sub.add_parser("seed-demo", help="load demo data")
    seed.add_argument("--force", action="store_true")
    seed.set_defaults(func=cmd_seed_demo)
    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", default=str(SCHEMA_FILE))
    export.set_defaults(func=cmd_export_schema)
    events = sub.add_parser("export-events", help="write the catalogue of domain events (docs/events.md)")
    events.add_argument("--output", default=str(EVENTS_FILE))
    events.set_defaults(func=cmd_export_events)
    sub.add_parser("check", help="check that the database and search answer").set_defaults(func=cmd_check)
    for command in registry().commands.values():
        extra = sub.add_parser(command.name, help=command.help)
        if command.configure:
            command.configure(extra)
        extra.set_defaults(func=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    load_registry()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"guildhall: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
