"""Moderation everywhere through GraphQL: a poll, a survey, an event and a proposal are reported,
queued with their subject, hidden from lists and nodes, and a member cannot report what they
cannot see (nothing changes)."""

from __future__ import annotations

from datetime import timedelta

from strawberry.relay import GlobalID

from api.domain.engagement import events
from api.domain.governance import polls, proposals, surveys
from api.models.governance import Poll, QuestionKind
from api.timeutil import now
from tests.domain.governance_helpers import committee_with
from tests.platform.test_mutations import _snapshot
from tests.schema.test_moderation import QUEUE, REPORT, RESOLVE

LISTS = """query { polls { totalCount } surveys { totalCount } communityEvents { totalCount } }"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def test_each_kind_is_reported_hidden_and_gone_from_lists(gql, factory, app_settings):
    _, chair, people, committee = await committee_with(factory, app_settings, members=1)
    mod, mod_token = await factory.member_with_token(role="MODERATOR")
    poll = await polls.create_poll(
        people[0], polls.PollInput(question="Tea?", options=["Yes", "No"]), settings=app_settings
    )
    survey = await surveys.create_survey(
        mod, "Census", "", [surveys.QuestionInput(QuestionKind.TEXT, "Why?")], settings=app_settings
    )
    start = now() + timedelta(days=1)
    event = await events.create_event(
        mod,
        events.EventInput(title="Meetup", starts_at=start, ends_at=start + timedelta(hours=1), location="Hall"),
        settings=app_settings,
    )
    proposal = await proposals.create_proposal(
        chair, committee.id, proposals.ProposalInput(title="Rename"), settings=app_settings
    )
    await proposals.open_proposal(chair, proposal.id, settings=app_settings)
    _, reporter_token = await factory.member_with_token()
    _, onlooker_token = await factory.member_with_token()
    assert (await gql(LISTS, token=onlooker_token)) == {
        "polls": {"totalCount": 1},
        "surveys": {"totalCount": 1},
        "communityEvents": {"totalCount": 1},
    }
    subjects = [
        gid("Poll", poll.id),
        gid("Survey", survey.id),
        gid("CommunityEvent", event.id),
        gid("Proposal", proposal.id),
    ]
    for subject in subjects:
        body = (await gql(REPORT, {"input": {"subjectId": subject, "reason": "SPAM"}}, token=reporter_token))["report"]
        assert body["errors"] == [], (subject, body)
    queue = (await gql(QUEUE, {"order": "NEWEST", "first": 10}, token=mod_token))["reviewQueue"]
    assert {n["subjectId"] for n in queue["nodes"]} == set(subjects)
    for node in queue["nodes"]:
        resolved = (
            await gql(
                RESOLVE, {"input": {"itemId": node["id"], "action": "HIDE_CONTENT", "reason": "Spam"}}, token=mod_token
            )
        )["resolveReport"]
        assert resolved["errors"] == []
    assert (await gql(LISTS, token=onlooker_token)) == {
        "polls": {"totalCount": 0},
        "surveys": {"totalCount": 0},
        "communityEvents": {"totalCount": 0},
    }
    for subject in subjects:
        assert (await gql(NODE, {"id": subject}, token=onlooker_token))["node"] is None
        assert (await gql(NODE, {"id": subject}, token=mod_token))["node"] == {"id": subject}


async def test_a_hidden_poll_cannot_be_reported_by_who_cannot_see_it(gql, factory, app_settings):
    author = await factory.user()
    poll = await polls.create_poll(
        author, polls.PollInput(question="Tea?", options=["Yes", "No"]), settings=app_settings
    )
    await Poll.filter(id=poll.id).update(hidden=True)
    _, token = await factory.member_with_token()
    await gql("{ viewer { user { id } } }", token=token)
    before = await _snapshot()
    body = (await gql(REPORT, {"input": {"subjectId": gid("Poll", poll.id), "reason": "SPAM"}}, token=token))["report"]
    assert [e["code"] for e in body["errors"]] == ["NOT_FOUND"] and await _snapshot() == before


async def test_a_poll_is_deleted_by_its_author_and_not_by_others(gql, factory, app_settings):
    author, author_token = await factory.member_with_token()
    poll = await polls.create_poll(
        author, polls.PollInput(question="Tea?", options=["Yes", "No"]), settings=app_settings
    )
    delete = """mutation($input: PollActionInput!) { deletePoll(input: $input) { poll { id } errors { code } } }"""
    _, other_token = await factory.member_with_token()
    await gql("{ viewer { user { id } } }", token=other_token)
    before = await _snapshot()
    refused = (await gql(delete, {"input": {"pollId": gid("Poll", poll.id)}}, token=other_token))["deletePoll"]
    assert refused["errors"] == [{"code": "FORBIDDEN"}] and await _snapshot() == before
    done = (await gql(delete, {"input": {"pollId": gid("Poll", poll.id)}}, token=author_token))["deletePoll"]
    assert done == {"poll": None, "errors": []}
    assert (await gql(LISTS, token=author_token))["polls"] == {"totalCount": 0}
    assert (await gql(NODE, {"id": gid("Poll", poll.id)}, token=author_token))["node"] is None
