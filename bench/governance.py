"""Governance benchmark: `python -m bench.governance [--voters N] [--postgres URL] [--served]`.

On a fresh database (a SQLite file, or a new database on the PostgreSQL server of `--postgres`),
with N eligible committee members, measures through the domain functions:

1. N ballots cast at once (asyncio.gather), then N changes at once: ballots per second (and the
   CPU time of this process per ballot, which another process's load changes less), first through
   the full path under the voting lock as it was (a `FOR SHARE` row lock: the baseline), then under
   the shared advisory lock (as before issue 14: ~10 statements), then as it is (one read taking
   the lock, one statement writing the ballot and its audit entry), each with its SQL statements
   per ballot and checked exact (one ballot and receipt per voter, the audit log complete);
   then the same through the API (N castVote mutations at once, in-process ASGI), before issue 14
   (the full path, restrictions read again, the payload's proposal read again) beside now.
   `--postgres 'URL?maxsize=20'` sets the connection pool (default 5). Beside them, the floor of
   the layer: N signed-in `mutation { __typename }` at once (authentication, GraphQL, HTTP);
   `--served` (PostgreSQL): the empty mutations, then N castVote, through `uvicorn api.asgi:app`
   with 1 then 2 workers on loopback, driven from another process (CPU seconds per worker);
2. closing: the conditional update, the tally of N ranked ballots and the stored result;
3. the pure instant run-off count of 10,000 ranked ballots over 8 options.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from bench.database import fresh_database

OPTIONS = ["Red", "Green", "Blue", "Amber"]


CAST = """mutation($input: CastVoteInput!) { castVote(input: $input) { receipt errors { code } } }"""

READ = """query($id: ID!) { node(id: $id) { ... on Proposal { title status viewerCanVote } } }"""


def _full_path_only(ballots: Any) -> contextlib.AbstractContextManager[None]:
    """Ballots through the full path only (read, then lock, re-read, check, ballot, audit: as
    before issue 14), not the one-read-one-write path."""

    @contextlib.contextmanager
    def patched() -> Iterator[None]:
        busy = ballots._cast_busy_path

        async def refuse(*args: Any, **kwargs: Any) -> Any:
            raise ballots._NotTheBusyPath

        ballots._cast_busy_path = refuse
        try:
            yield
        finally:
            ballots._cast_busy_path = busy

    return patched()


@contextlib.contextmanager
def _resolver_as_before() -> Iterator[None]:
    """castVote's resolver as before issue 14: the domain reads the restrictions again (no
    memo) and the payload's proposal is read once more."""
    from api.domain.governance import ballots
    from api.models.governance import Proposal

    cast_ballot = ballots.cast_ballot

    async def as_before(actor: Any, proposal_id: int, choices: list[str], *, settings: Any, memo: Any = None) -> Any:
        _, ballot = await cast_ballot(actor, proposal_id, choices, settings=settings)
        return await Proposal.get(id=proposal_id), ballot

    ballots.cast_ballot = as_before
    try:
        yield
    finally:
        ballots.cast_ballot = cast_ballot


class _Took:
    wall = cpu = 0.0


@contextlib.contextmanager
def _measured() -> Iterator[_Took]:
    """Wall time, and CPU time of this process (what another helper's load does not change much)."""
    took = _Took()
    wall, cpu = time.perf_counter(), time.process_time()
    yield took
    took.wall, took.cpu = time.perf_counter() - wall, time.process_time() - cpu


def _print_round(label: str, n: int, round_name: str, took: _Took, goal: bool = False) -> None:
    print(
        f"  {label:<26} {n} concurrent {round_name}s: {took.wall:.2f} s ({n / took.wall:.0f} ballots/s"
        f"{'; goal: at least 500' if goal else ''}), {took.cpu * 1000 / n:.2f} ms CPU of this process per ballot"
    )


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextlib.contextmanager
def _statements() -> Iterator[_Statements]:
    """SQL statements sent through Tortoise meanwhile (BEGIN and COMMIT are not logged)."""
    handler, logger = _Statements(), logging.getLogger("tortoise.db_client")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def _row_share_lock(proposal_id: int) -> None:
    """The voting lock as it was (the baseline): `SELECT ... FOR SHARE` of the proposal row."""
    from api.db import fetch_all, is_postgres

    if is_postgres():
        await fetch_all("SELECT id FROM governance_proposals WHERE id = ? FOR SHARE", [proposal_id])


async def _check_exact(proposal_id: int, voters: int, audit_per_voter: int, extra: int = 0) -> str:
    """0 lost, 0 doubled: one ballot per voter, one distinct receipt each, the audit log exact
    (`audit_per_voter` entries each, and `extra` more changes)."""
    from api.models.governance import Ballot, VoteAuditEntry

    rows = await Ballot.filter(proposal_id=proposal_id).values_list("voter_id", "receipt")
    audit = await VoteAuditEntry.filter(proposal_id=proposal_id).count()
    ok = (
        len(rows) == len({v for v, _ in rows}) == len({r for _, r in rows}) == voters
        and audit == voters * audit_per_voter + extra
    )
    return "exact" if ok else f"WRONG: {len(rows)} ballots, {audit} audit entries for {voters} voters"


async def _voting(voters_count: int, served: bool = False) -> None:
    import httpx
    from strawberry.relay import GlobalID

    from api.app import create_app
    from api.domain.accounts import issue_token
    from api.domain.governance import ballots, closing, committees, proposals
    from api.models.accounts import CommitteeMembership, CommitteeRole, Role, User, Visibility
    from api.models.governance import VotingMethod
    from api.settings import get_settings
    from api.timeutil import now

    settings = get_settings()
    admin = await User.create(
        username="admin",
        username_key="admin",
        email="a@example.org",
        password_hash="x",
        display_name="Admin",
        role=Role.ADMIN,
    )
    committee = await committees.create_committee(admin, "Bench", "", Visibility.PUBLIC, settings=settings)
    await committees.add_member(admin, committee.id, admin.id, CommitteeRole.CHAIR)
    await User.bulk_create(
        [
            User(
                username=f"v{i}",
                username_key=f"v{i}",
                email=f"v{i}@example.org",
                password_hash="x",
                display_name=f"V{i}",
            )
            for i in range(voters_count)
        ]
    )
    voters = list(await User.filter(username__startswith="v"))
    await CommitteeMembership.bulk_create(
        [CommitteeMembership(committee_id=committee.id, user_id=v.id, joined_at=now()) for v in voters]
    )

    async def new_proposal():
        draft = await proposals.create_proposal(
            admin,
            committee.id,
            proposals.ProposalInput(title="Colour", method=VotingMethod.RANKED_CHOICE, options=OPTIONS),
            settings=settings,
        )
        return await proposals.open_proposal(admin, draft.id, settings=settings)

    rng = random.Random(1)

    def full_path() -> contextlib.AbstractContextManager[None]:
        return _full_path_only(ballots)

    current_lock = proposals.lock_for_voting
    modes = (
        ("row share lock (baseline)", _row_share_lock, full_path),
        ("advisory lock (before)", current_lock, full_path),
        ("one read + one write", current_lock, contextlib.nullcontext),
    )
    for label, lock, path in modes:
        proposals.lock_for_voting = lock
        try:
            with path():
                proposal = await new_proposal()
                for round_name in ("cast", "change"):
                    with _measured() as took:
                        await asyncio.gather(
                            *[
                                ballots.cast_vote(v, proposal.id, rng.sample(OPTIONS, 3), settings=settings)
                                for v in voters
                            ]
                        )
                    _print_round(label, voters_count, round_name, took)
                with _statements() as counted:
                    await ballots.cast_vote(voters[0], proposal.id, rng.sample(OPTIONS, 3), settings=settings)
                print(f"  {label:<26} SQL statements per ballot (a change): {counted.count} + BEGIN/COMMIT")
            print(f"  {label:<26} ballots and audit log: {await _check_exact(proposal.id, voters_count, 2, 1)}")
        finally:
            proposals.lock_for_voting = current_lock

    # Through the API: every voter's castVote mutation at once (in-process ASGI, signed in). Each
    # member first reads the proposal (as they would before voting: their visit of the day is then
    # recorded, as it is for any request), so the rounds measure the ballots.
    tokens = [await issue_token(v, settings) for v in voters]
    app = create_app(settings.replace(writes_per_minute=1_000_000), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120) as http:

        async def call(token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
            response = await http.post(
                "/graphql", headers={"Authorization": f"Bearer {token}"}, json={"query": query, "variables": variables}
            )
            body = response.json()
            if body.get("errors"):
                raise RuntimeError(body)
            return cast(dict[str, Any], body["data"])

        async def vote(token: str, gid: str) -> None:
            data = await call(token, CAST, {"input": {"proposalId": gid, "ranking": rng.sample(OPTIONS, 3)}})
            if data["castVote"]["errors"]:
                raise RuntimeError(data)

        # The floor of the layer: a signed-in mutation that does nothing (authentication, the
        # GraphQL request cycle, the in-process HTTP client), at the same concurrency, once every
        # member's visit of the day is recorded.
        await asyncio.gather(*[call(t, "query { __typename }", {}) for t in tokens])
        with _measured() as took:
            await asyncio.gather(*[call(t, "mutation { __typename }", {}) for t in tokens])
        print(
            f"  {'API, empty mutation':<26} {voters_count} concurrent: {took.wall:.2f} s "
            f"({voters_count / took.wall:.0f} requests/s), {took.cpu * 1000 / voters_count:.2f} ms CPU per request"
        )

        api_modes = (("API, before", full_path, _resolver_as_before), ("API, now", contextlib.nullcontext, None))
        for label, path, resolver in api_modes:
            with path(), (resolver or contextlib.nullcontext)():
                proposal = await new_proposal()
                gid = str(GlobalID("Proposal", str(proposal.id)))
                await asyncio.gather(*[call(t, READ, {"id": gid}) for t in tokens])
                for round_name in ("cast", "change"):
                    with _measured() as took:
                        await asyncio.gather(*[vote(t, gid) for t in tokens])
                    _print_round(label, voters_count, round_name, took, goal=True)
                with _statements() as counted:
                    await vote(tokens[0], gid)
                print(f"  {label:<26} SQL statements per castVote (a change): {counted.count} + BEGIN/COMMIT")
            print(f"  {label:<26} ballots and audit log: {await _check_exact(proposal.id, voters_count, 2, 1)}")
    if served:
        for workers in (1, 2):
            proposal = await new_proposal()
            gid = str(GlobalID("Proposal", str(proposal.id)))
            await _served(workers, settings, tokens, gid, rng)
            label = f"served, {workers} worker{'s' if workers > 1 else ''}"
            print(f"  {label:<26} ballots and audit log: {await _check_exact(proposal.id, voters_count, 1)}")
    started = time.perf_counter()
    await closing.close_proposal(proposal.id, only_if_due=False, settings=settings)
    print(f"  close + tally of {voters_count} ballots + announcement: {(time.perf_counter() - started) * 1000:.0f} ms")


# --- served: uvicorn with W workers, driven from another process ------------------------------


async def _drive(port: int, requests_file: str, concurrency: int) -> dict[str, Any]:
    """Send every request of the file (token, body) once, over `concurrency` keep-alive
    connections (HTTP/1.1 spoken here: a client library would spend the CPU the servers need)."""
    pending = [
        (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body.encode())}\r\n\r\n"
        ).encode()
        + body.encode()
        for token, body in json.loads(Path(requests_file).read_text())
    ]
    errors: list[str] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while pending:
                writer.write(pending.pop())
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")[1:]
                    if line.lower().startswith(b"content-length:")
                )
                payload = await reader.readexactly(length)
                if not head.startswith(b"HTTP/1.1 200") or b'"errors"' in payload.replace(b'"errors":[]', b""):
                    errors.append(payload[:300].decode(errors="replace"))
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return {"seconds": time.perf_counter() - started, "errors": len(errors), "first_error": errors[:1]}


async def _served(workers: int, settings: Any, tokens: list[str], gid: str, rng: random.Random) -> None:
    """Every voter's castVote once, through `uvicorn api.asgi:app --workers W` on loopback."""
    import os
    import subprocess
    import sys
    import tempfile

    from api.meili_process import free_port
    from bench.database import SECRET
    from bench.load import _cpu_seconds, _wait_until_up, _workers

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": SECRET,
        "DATA_DIR": str(settings.data_dir),
        "MEDIA_ROOT": str(settings.media_root),
        "RUN_WORKERS": "false",
        "MEILI_URL": "http://127.0.0.1:9",
        "WRITES_PER_MINUTE": "1000000",
        "CPU_WORKERS": "1",
    }
    command = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning", "--ws", "none"]
    server = subprocess.Popen(command, env=env)
    with tempfile.TemporaryDirectory(prefix="guildhall-bench-served-") as tmp:
        try:
            await asyncio.to_thread(_wait_until_up, port, server, workers)

            def drive(requests: list[tuple[str, str]]) -> dict[str, Any]:
                path = Path(tmp) / "requests.json"
                path.write_text(json.dumps(requests))
                driver = [sys.executable, "-m", "bench.governance", "--drive", str(port), "--requests-file", str(path)]
                out = subprocess.run(driver, check=True, capture_output=True, text=True).stdout
                return cast(dict[str, Any], json.loads(out))

            # Warm every worker and record every member's visit of the day (as a page read would).
            await asyncio.to_thread(drive, [(t, json.dumps({"query": "query { __typename }"})) for t in tokens] * 2)
            pids = _workers(server.pid)

            async def measured(requests: list[tuple[str, str]]) -> tuple[dict[str, Any], list[float]]:
                cpu = [_cpu_seconds(p) for p in pids]
                result = await asyncio.to_thread(drive, requests)
                return result, [_cpu_seconds(p) - c for p, c in zip(pids, cpu, strict=True)]

            # The floor: a signed-in mutation that does nothing, then the ballots.
            empty = await measured([(t, json.dumps({"query": "mutation { __typename }"})) for t in tokens])
            casts = [
                (
                    t,
                    json.dumps(
                        {"query": CAST, "variables": {"input": {"proposalId": gid, "ranking": rng.sample(OPTIONS, 3)}}}
                    ),
                )
                for t in tokens
            ]
            voted = await measured(casts)
        finally:
            server.terminate()
            server.wait(30)
    n = len(tokens)
    for what, (result, used) in (("empty mutations", empty), ("casts", voted)):
        label = f"served, {workers} worker{'s' if workers > 1 else ''}"
        print(
            f"  {label:<26} {n} {what} over 50 connections: {result['seconds']:.2f} s "
            f"({n / result['seconds']:.0f}/s{'; goal: at least 500' if what == 'casts' else ''}), "
            f"{result['errors']} errors{' ' + str(result['first_error']) if result['errors'] else ''}; "
            f"CPU s per worker: {', '.join(f'{c:.2f}' for c in used)} ({sum(used) * 1000 / n:.2f} ms per request); "
            f"load {os.getloadavg()[0]:.1f}"
        )


def _pure_tally() -> None:
    from api.domain.governance.tally import Rules, tally
    from api.models.governance import VotingMethod

    options = [f"O{i}" for i in range(8)]
    rng = random.Random(2)
    ballots = [rng.sample(options, rng.randint(1, 8)) for _ in range(10_000)]
    started = time.perf_counter()
    result = tally(Rules(VotingMethod.RANKED_CHOICE, options=tuple(options)), ballots, 10_000)
    print(
        f"  instant run-off of 10000 ballots, 8 options: {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"{len(result.rounds)} rounds"
    )


async def run(args: argparse.Namespace) -> None:
    async with fresh_database(getattr(args, "postgres", None), "guildhall-bench-gov-"):
        await _voting(getattr(args, "voters", 200), getattr(args, "served", False))
    _pure_tally()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=200, help="eligible members voting at once")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (a fresh database is created)")
    parser.add_argument(
        "--served", action="store_true", help="also cast through uvicorn with 1 then 2 workers (PostgreSQL)"
    )
    parser.add_argument("--drive", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--requests-file", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=50, help="connections of the load generator (--served)")
    args = parser.parse_args()
    if args.drive:
        print(json.dumps(asyncio.run(_drive(args.drive, args.requests_file, args.concurrency))))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
