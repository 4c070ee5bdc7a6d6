"""Governance benchmark: `python -m bench.governance [--voters N] [--postgres URL]`.

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
   `--postgres 'URL?maxsize=20'` sets the connection pool (default 5).
2. closing: the conditional update, the tally of N ranked ballots and the stored result;
3. the pure instant run-off count of 10,000 ranked ballots over 8 options.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Iterator
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


async def _voting(voters_count: int) -> None:
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
    started = time.perf_counter()
    await closing.close_proposal(proposal.id, only_if_due=False, settings=settings)
    print(f"  close + tally of {voters_count} ballots + announcement: {(time.perf_counter() - started) * 1000:.0f} ms")


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
        await _voting(getattr(args, "voters", 200))
    _pure_tally()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=200, help="eligible members voting at once")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (a fresh database is created)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
