"""Several app processes run the closing job at once: one closes, one announcement."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap

from api.domain.governance import ballots
from api.models.governance import Outcome, Proposal, ProposalStatus
from api.models.moderation import Announcement
from tests.domain.governance_helpers import committee_with, make_overdue, open_proposal

# Each child connects to the test database and runs the periodic job as an app process would.
_CHILD = textwrap.dedent("""
    import asyncio, sys
    from api.db import close_db, init_db
    from api.settings import Settings, set_settings
    from api.domain.governance.closing import close_due

    async def main():
        settings = Settings.from_env({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "x" * 40}, env_file=None)
        set_settings(settings)
        await init_db(settings)
        try:
            print("closed" if await close_due(settings) else "nothing")
        finally:
            await close_db()

    asyncio.run(main())
""")


async def test_two_processes_racing_close_once_and_publish_once(factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=2)
    proposal = await open_proposal(chair, committee, settings=app_settings)
    for person in people:
        await ballots.cast_vote(person, proposal.id, ["YES"], settings=app_settings)
    await make_overdue(proposal)
    url = app_settings.database_url
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    children = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", _CHILD, url, env=env, stdout=asyncio.subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [(await child.communicate())[0].decode().strip() for child in children]
    assert [child.returncode for child in children] == [0, 0]
    assert sorted(outputs) == ["closed", "nothing"]
    closed = await Proposal.get(id=proposal.id)
    assert closed.status == ProposalStatus.CLOSED and closed.outcome == Outcome.PASSED
    assert await Announcement.all().count() == 1
