"""Governance benchmark: `python -m bench.governance [--voters N] [--postgres URL]`.

On a fresh database (a SQLite file, or a new database on the PostgreSQL server of `--postgres`),
with N eligible committee members, measures through the domain functions:

1. N ballots cast at once (asyncio.gather), then N changes at once: ballots per second, first
   under the voting lock as it was (a `FOR SHARE` row lock: the baseline), then as it is (a shared
   advisory lock), each checked exact (one ballot and receipt per voter, the audit log complete);
   then N castVote mutations at once through the API (in-process ASGI);
2. closing: the conditional update, the tally of N ranked ballots and the stored result;
3. the pure instant run-off count of 10,000 ranked ballots over 8 options.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from bench.database import fresh_database

OPTIONS = ["Red", "Green", "Blue", "Amber"]


CAST = """mutation($input: CastVoteInput!) { castVote(input: $input) { receipt errors { code } } }"""


async def _row_share_lock(proposal_id: int) -> None:
    """The voting lock as it was (the baseline): `SELECT ... FOR SHARE` of the proposal row."""
    from api.db import fetch_all, is_postgres

    if is_postgres():
        await fetch_all("SELECT id FROM governance_proposals WHERE id = ? FOR SHARE", [proposal_id])


async def _check_exact(proposal_id: int, voters: int, audit_per_voter: int) -> str:
    """0 lost, 0 doubled: one ballot per voter, one distinct receipt each, the audit log exact."""
    from api.models.governance import Ballot, VoteAuditEntry

    rows = await Ballot.filter(proposal_id=proposal_id).values_list("voter_id", "receipt")
    audit = await VoteAuditEntry.filter(proposal_id=proposal_id).count()
    ok = (
        len(rows) == len({v for v, _ in rows}) == len({r for _, r in rows}) == voters
        and audit == voters * audit_per_voter
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
    current_lock = proposals.lock_for_voting
    for lock_name, lock in (("row share lock (baseline)", _row_share_lock), ("advisory lock", current_lock)):
        proposals.lock_for_voting = lock
        try:
            proposal = await new_proposal()
            for label in ("cast", "change"):
                started = time.perf_counter()
                await asyncio.gather(
                    *[ballots.cast_vote(v, proposal.id, rng.sample(OPTIONS, 3), settings=settings) for v in voters]
                )
                elapsed = time.perf_counter() - started
                print(
                    f"  {lock_name:<26} {voters_count} concurrent {label}s: {elapsed:.2f} s "
                    f"({voters_count / elapsed:.0f} ballots/s)"
                )
            print(f"  {lock_name:<26} ballots and audit log: {await _check_exact(proposal.id, voters_count, 2)}")
        finally:
            proposals.lock_for_voting = current_lock

    # Through the API: every voter's castVote mutation at once (in-process ASGI, signed in).
    proposal = await new_proposal()
    tokens = [await issue_token(v, settings) for v in voters]
    app = create_app(settings.replace(writes_per_minute=1_000_000), manage_db=False)
    gid = str(GlobalID("Proposal", str(proposal.id)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120) as http:

        async def cast(token: str) -> None:
            response = await http.post(
                "/graphql",
                headers={"Authorization": f"Bearer {token}"},
                json={"query": CAST, "variables": {"input": {"proposalId": gid, "ranking": rng.sample(OPTIONS, 3)}}},
            )
            body = response.json()
            if body.get("errors") or body["data"]["castVote"]["errors"]:
                raise RuntimeError(body)

        started = time.perf_counter()
        await asyncio.gather(*[cast(t) for t in tokens])
        elapsed = time.perf_counter() - started
    print(
        f"  {'API (castVote)':<26} {voters_count} concurrent casts: {elapsed:.2f} s "
        f"({voters_count / elapsed:.0f} ballots/s; goal: at least 500)"
    )
    print(f"  {'API (castVote)':<26} ballots and audit log: {await _check_exact(proposal.id, voters_count, 1)}")
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
