"""The governance demo data loads and shows what it promises."""

from __future__ import annotations

from api.demo import accounts as accounts_demo
from api.demo import governance as governance_demo
from api.models.governance import Poll, PollVote, Proposal, ProposalStatus, Survey, SurveyResponse
from api.models.moderation import Announcement


async def test_demo_has_open_and_closed_proposals_a_poll_and_a_survey(app_settings):
    state: dict = {}
    await accounts_demo.seed(app_settings, state)
    await governance_demo.seed(app_settings, state)
    await governance_demo.seed(app_settings, state)  # idempotent
    closed = await Proposal.get(status=ProposalStatus.CLOSED)
    assert closed.outcome == "PASSED" and closed.result["winner"] == "Lisbon"
    assert [r["eliminated"] for r in closed.result["rounds"]] == [["Toronto"], []]
    assert (await Announcement.get(id=closed.announcement_id)).audience == "ALL"
    assert await Proposal.filter(status=ProposalStatus.OPEN, secret=True).count() == 1
    assert await Poll.all().count() == 1 and await PollVote.all().count() == 4
    assert await Survey.all().count() == 1 and await SurveyResponse.all().count() == 3
