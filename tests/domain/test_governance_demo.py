"""The governance demo data loads and shows what it promises."""

from __future__ import annotations

from api.demo import accounts as accounts_demo
from api.demo import governance as governance_demo
from api.models.forum import Post
from api.models.governance import (
    AnonymousSurveyResponse,
    Electorate,
    Poll,
    PollVote,
    Proposal,
    ProposalRevision,
    ProposalStatus,
    Survey,
    SurveyResponse,
)
from api.models.moderation import Announcement


async def test_demo_has_open_and_closed_proposals_a_poll_and_a_survey(app_settings):
    state: dict = {}
    await accounts_demo.seed(app_settings, state)
    await governance_demo.seed(app_settings, state)
    await governance_demo.seed(app_settings, state)  # idempotent
    closed = await Proposal.get(status=ProposalStatus.CLOSED)
    assert closed.outcome == "PASSED" and closed.result["winner"] == "Lisbon"
    # A community-wide vote with a discussion, a revised draft and a published outcome.
    assert closed.electorate == Electorate.MEMBERS and closed.discussion_topic_id is not None
    assert await Post.filter(topic_id=closed.discussion_topic_id).count() >= 2
    assert await ProposalRevision.filter(proposal_id=closed.id).count() == 1
    assert closed.outcome_published_at and "Lisbon it is" in closed.outcome_statement
    assert (await Announcement.get(id=closed.outcome_announcement_id)).audience == "ALL"
    assert [r["eliminated"] for r in closed.result["rounds"]] == [["Toronto"], []]
    assert (await Announcement.get(id=closed.announcement_id)).audience == "ALL"
    community_vote = await Proposal.get(status=ProposalStatus.OPEN, secret=True)
    assert community_vote.electorate == Electorate.MEMBERS and community_vote.eligible_count > 5  # beyond the committee
    assert await Poll.all().count() == 1 and await PollVote.all().count() == 4
    assert await Survey.all().count() == 2 and await SurveyResponse.all().count() == 3
    assert await Survey.filter(anonymous=True).count() == 1 and await AnonymousSurveyResponse.all().count() == 2
