"""Governance benchmark: `python -m bench.governance [--voters N] [--postgres URL]`.

On a fresh database (a SQLite file, or a new database on the PostgreSQL server of `--postgres`),
with N eligible committee members, measures through the domain functions:

1. N ballots cast at once (asyncio.gather), then N changes at once: ballots per second;
2. closing: the conditional update, the tally of N ranked ballots and the stored result;
3. the pure instant run-off count of 10,000 ranked ballots over 8 options.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from pathlib import Path

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
OPTIONS = ["Red", "Green", "Blue", "Amber"]


async def _database(postgres: str | None, root: Path) -> tuple[str, str | None]:
    if not postgres:
        return f"sqlite://{root / 'bench.sqlite3'}", None
    import asyncpg

    name = f"guildhall_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(postgres.replace("postgres://", "postgresql://", 1))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return postgres.rsplit("/", 1)[0] + "/" + name, name


async def _drop(postgres: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(postgres.replace("postgres://", "postgresql://", 1))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def _voting(voters_count: int) -> None:
    from api.domain.governance import ballots, closing, committees, proposals
    from api.models.accounts import CommitteeMembership, CommitteeRole, Role, User, Visibility
    from api.models.governance import VotingMethod
    from api.settings import get_settings
    from api.timeutil import now

    settings = get_settings()
    admin = await User.create(username="admin", username_key="admin", email="a@example.org", password_hash="x",
                              display_name="Admin", role=Role.ADMIN)
    committee = await committees.create_committee(admin, "Bench", "", Visibility.PUBLIC, settings=settings)
    await committees.add_member(admin, committee.id, admin.id, CommitteeRole.CHAIR)
    await User.bulk_create([User(username=f"v{i}", username_key=f"v{i}", email=f"v{i}@example.org",
                                 password_hash="x", display_name=f"V{i}") for i in range(voters_count)])
    voters = list(await User.filter(username__startswith="v"))
    await CommitteeMembership.bulk_create([CommitteeMembership(committee_id=committee.id, user_id=v.id,
                                                               joined_at=now()) for v in voters])
    draft = await proposals.create_proposal(admin, committee.id, proposals.ProposalInput(
        title="Colour", method=VotingMethod.RANKED_CHOICE, options=OPTIONS), settings=settings)
    proposal = await proposals.open_proposal(admin, draft.id, settings=settings)
    rng = random.Random(1)
    for label in ("cast", "change"):
        started = time.perf_counter()
        await asyncio.gather(*[ballots.cast_vote(v, proposal.id, rng.sample(OPTIONS, 3), settings=settings) for v in voters])
        elapsed = time.perf_counter() - started
        print(f"  {voters_count} concurrent {label}s: {elapsed:.2f} s ({voters_count / elapsed:.0f} ballots/s)")
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
    print(f"  instant run-off of 10000 ballots, 8 options: {(time.perf_counter() - started) * 1000:.0f} ms, "
          f"{len(result.rounds)} rounds")


async def run(args: argparse.Namespace) -> None:
    from api.db import close_db, init_db, migrate
    from api.settings import Settings, set_settings

    voters = getattr(args, "voters", 200)
    postgres = getattr(args, "postgres", None)
    with tempfile.TemporaryDirectory(prefix="guildhall-bench-gov-") as tmp:
        root = Path(tmp)
        url, pg_name = await _database(postgres, root)
        settings = Settings.from_env({"DATABASE_URL": url, "SECRET_KEY": SECRET, "DATA_DIR": str(root),
                                      "MEDIA_ROOT": str(root / "media")}, env_file=None)
        set_settings(settings)
        await init_db(settings)
        try:
            await migrate(settings)
            print(f"  database: {'PostgreSQL' if pg_name else 'SQLite'}")
            await _voting(voters)
        finally:
            await close_db()
            if pg_name and postgres:
                await _drop(postgres, pg_name)
    _pure_tally()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=200, help="eligible members voting at once")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (a fresh database is created)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
