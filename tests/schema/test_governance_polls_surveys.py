"""Polls and surveys through GraphQL: flows, hidden results, staff-only results and CSV, query counts."""

from __future__ import annotations

from api.models.accounts import Sanction, SanctionKind
from api.models.governance import Poll, PollVote, Survey, SurveyParticipant, SurveyQuestion, SurveyResponse
from schema.relay import node_global_id

CREATE_POLL = """
mutation($input: CreatePollInput!) {
  createPoll(input: $input) { poll { id question status topicId options { index label votes } }
                              errors { field code message } } }"""
VOTE_POLL = """
mutation($input: VotePollInput!) {
  votePoll(input: $input) { poll { voterCount viewerChoices options { votes } } errors { field code message } } }"""
RETRACT_POLL_VOTE = """
mutation($input: PollActionInput!) { retractPollVote(input: $input) { poll { voterCount } errors { code } } }"""
CLOSE_POLL = """
mutation($input: PollActionInput!) { closePoll(input: $input) { poll { status } errors { code } } }"""
POLLS = """
query($first: Int, $topic: ID) { polls(first: $first, topicId: $topic) { totalCount nodes {
  id question status voterCount viewerChoices author { username } options { label votes } } } }"""
POLL_VOTERS = """
query($id: ID!) { node(id: $id) { ... on Poll { voters { nodes { user { username } choices } } } } }"""
CREATE_SURVEY = """
mutation($input: CreateSurveyInput!) {
  createSurvey(input: $input) { survey { id questions { id kind position } } errors { field code message } } }"""
SUBMIT = """
mutation($input: SubmitSurveyResponseInput!) {
  submitSurveyResponse(input: $input) { survey { viewerAnswers { questionId choices text rating } }
                                        errors { field code message } } }"""
CLOSE_SURVEY = """
mutation($input: SurveyActionInput!) { closeSurvey(input: $input) { survey { status } errors { code } } }"""
DELETE_SURVEY = """
mutation($input: SurveyActionInput!) { deleteSurvey(input: $input) { survey { id } errors { field code } } }"""
RESULTS = """
query($id: ID!) { surveyResults(surveyId: $id) { responses questions {
  question { prompt } answered optionCounts ratingCounts ratingAverage texts } } }"""
CSV = "query($id: ID!) { surveyCsv(surveyId: $id) }"


async def test_poll_flow_hidden_results_and_anonymous_voters(gql, factory):
    from tests.domain.test_governance_polls_surveys import topic_of

    author, author_token = await factory.member_with_token()
    _voter, voter_token = await factory.member_with_token()
    topic_id = node_global_id("Topic", (await topic_of(author)).id)
    created = (
        await gql(
            CREATE_POLL,
            {
                "input": {
                    "question": "Lunch?",
                    "options": ["Soup", "Salad"],
                    "results": "AFTER_CLOSE",
                    "anonymous": True,
                    "topicId": topic_id,
                }
            },
            token=author_token,
        )
    )["createPoll"]
    assert created["errors"] == [] and created["poll"]["topicId"] == topic_id
    poll_id = created["poll"]["id"]
    voted = (await gql(VOTE_POLL, {"input": {"pollId": poll_id, "choices": [1]}}, token=voter_token))["votePoll"]
    assert voted["poll"] == {"voterCount": 1, "viewerChoices": [1], "options": [{"votes": None}, {"votes": None}]}
    refused = (await gql(CLOSE_POLL, {"input": {"pollId": poll_id}}, token=voter_token))["closePoll"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["poll"] is None
    assert (await Poll.first()).status == "OPEN"
    closed = (await gql(CLOSE_POLL, {"input": {"pollId": poll_id}}, token=author_token))["closePoll"]
    assert closed["poll"]["status"] == "CLOSED"
    listed = (await gql(POLLS, {"topic": topic_id}))["polls"]["nodes"][0]
    assert (await gql(POLLS, {}))["polls"]["totalCount"] == 0  # not standalone
    assert listed["options"] == [{"label": "Soup", "votes": 0}, {"label": "Salad", "votes": 1}]
    assert (await gql(POLL_VOTERS, {"id": poll_id}))["node"]["voters"]["nodes"] == []  # anonymous
    late = (await gql(VOTE_POLL, {"input": {"pollId": poll_id, "choices": [0]}}, token=author_token))["votePoll"]
    assert late["errors"][0]["code"] == "CLOSED"
    assert await PollVote.all().count() == 1


async def test_poll_refusals_change_nothing(gql, factory):
    _, author_token = await factory.member_with_token()
    muted, muted_token = await factory.member_with_token()
    await Sanction.create(user_id=muted.id, kind=SanctionKind.MUTE)
    for token in (muted_token, None):
        refused = (await gql(CREATE_POLL, {"input": {"question": "Q", "options": ["A", "B"]}}, token=token))[
            "createPoll"
        ]
        assert refused["errors"][0]["code"] in ("SANCTIONED", "UNAUTHENTICATED") and refused["poll"] is None
    assert await Poll.all().count() == 0
    poll_id = (
        await gql(
            CREATE_POLL, {"input": {"question": "Q", "options": ["A", "B"], "allowChange": False}}, token=author_token
        )
    )["createPoll"]["poll"]["id"]
    refused = (await gql(VOTE_POLL, {"input": {"pollId": poll_id, "choices": [0]}}, token=muted_token))["votePoll"]
    assert refused["errors"][0]["code"] == "SANCTIONED"
    await gql(VOTE_POLL, {"input": {"pollId": poll_id, "choices": [0]}}, token=author_token)
    refused = (await gql(RETRACT_POLL_VOTE, {"input": {"pollId": poll_id}}, token=author_token))["retractPollVote"]
    assert refused["errors"][0]["code"] == "CONFLICT"
    refused = (await gql(RETRACT_POLL_VOTE, {"input": {"pollId": poll_id}}, token=muted_token))["retractPollVote"]
    assert refused["errors"][0]["code"] == "SANCTIONED"
    assert await PollVote.filter(choices=[0]).count() == 1 and await PollVote.all().count() == 1


async def test_survey_flow_results_and_csv_for_staff_only(gql, factory):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    member, member_token = await factory.member_with_token()
    survey_input = {
        "title": "Census",
        "questions": [
            {"kind": "SINGLE", "prompt": "Role?", "options": ["Dev", "Ops"], "required": True},
            {"kind": "TEXT", "prompt": "Notes?"},
            {"kind": "RATING", "prompt": "Happy?"},
        ],
    }
    refused = (await gql(CREATE_SURVEY, {"input": survey_input}, token=member_token))["createSurvey"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and await Survey.all().count() == 0
    created = (await gql(CREATE_SURVEY, {"input": survey_input}, token=mod_token))["createSurvey"]
    survey_id, questions = created["survey"]["id"], created["survey"]["questions"]
    answers = [
        {"questionId": questions[0]["id"], "choices": [1]},
        {"questionId": questions[1]["id"], "text": "Hi"},
        {"questionId": questions[2]["id"], "rating": 4},
    ]
    missing = (await gql(SUBMIT, {"input": {"surveyId": survey_id, "answers": answers[1:]}}, token=member_token))[
        "submitSurveyResponse"
    ]
    assert missing["errors"][0]["field"] == "answers" and await SurveyResponse.all().count() == 0
    done = (await gql(SUBMIT, {"input": {"surveyId": survey_id, "answers": answers}}, token=member_token))[
        "submitSurveyResponse"
    ]
    assert done["errors"] == [] and {a["rating"] for a in done["survey"]["viewerAnswers"]} == {None, 4}
    for query in (RESULTS, CSV):
        assert (await gql(query, {"id": survey_id}, token=member_token, expect_errors=True))["errors"]
    results = (await gql(RESULTS, {"id": survey_id}, token=mod_token))["surveyResults"]
    assert results["responses"] == 1
    assert [q["optionCounts"] for q in results["questions"]] == [[0, 1], [], []]
    assert results["questions"][1]["texts"] == ["Hi"] and results["questions"][2]["ratingAverage"] == 4.0
    csv_text = (await gql(CSV, {"id": survey_id}, token=mod_token))["surveyCsv"]
    assert csv_text.splitlines()[1].startswith(f"{member.username},") and csv_text.splitlines()[1].endswith(",Ops,Hi,4")
    refused = (await gql(CLOSE_SURVEY, {"input": {"surveyId": survey_id}}, token=member_token))["closeSurvey"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and (await Survey.first()).status == "OPEN"
    assert (await gql(CLOSE_SURVEY, {"input": {"surveyId": survey_id}}, token=mod_token))["closeSurvey"]["survey"] == {
        "status": "CLOSED"
    }
    late = (await gql(SUBMIT, {"input": {"surveyId": survey_id, "answers": answers}}, token=member_token))[
        "submitSurveyResponse"
    ]
    assert late["errors"][0]["code"] == "CLOSED"
    assert await SurveyQuestion.all().count() == 3
    refused = (await gql(DELETE_SURVEY, {"input": {"surveyId": survey_id}}, token=member_token))["deleteSurvey"]
    assert refused["errors"] == [{"field": None, "code": "FORBIDDEN"}] and (await Survey.first()).deleted_at is None
    deleted = (await gql(DELETE_SURVEY, {"input": {"surveyId": survey_id}}, token=mod_token))["deleteSurvey"]
    assert deleted == {"survey": None, "errors": []}
    for token in (member_token, mod_token):
        assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": survey_id}, token=token))["node"] is None
        assert (await gql("{ surveys { totalCount } }", token=token))["surveys"]["totalCount"] == 0
    again = (await gql(DELETE_SURVEY, {"input": {"surveyId": survey_id}}, token=mod_token))["deleteSurvey"]
    assert again["errors"] == [{"field": "surveyId", "code": "NOT_FOUND"}]
    assert await SurveyResponse.all().count() == 1  # the responses are kept


async def test_a_page_of_50_polls_costs_the_same_as_5(gql, factory, count_queries):
    author, token = await factory.member_with_token()
    voters = [await factory.user() for _ in range(3)]
    await Poll.bulk_create([Poll(author_id=author.id, question=f"Q{i}", options=["A", "B"]) for i in range(55)])
    ids = await Poll.all().values_list("id", flat=True)
    await PollVote.bulk_create(
        [PollVote(poll_id=i, voter_id=v.id, choices=[n % 2]) for i in ids for n, v in enumerate(voters)]
    )
    await gql(POLLS, {"first": 1}, token=token)
    counts = []
    for first in (5, 50):
        with count_queries as counter:
            data = await gql(POLLS, {"first": first}, token=token)
        counts.append(counter.count)
    node = data["polls"]["nodes"][0]
    assert len(data["polls"]["nodes"]) == 50 and node["voterCount"] == 3
    assert node["options"] == [{"label": "A", "votes": 2}, {"label": "B", "votes": 1}]
    voters_seen = (await gql(POLL_VOTERS, {"id": node["id"]}))["node"]["voters"]["nodes"]
    assert sorted(v["user"]["username"] for v in voters_seen) == sorted(v.username for v in voters)
    assert counts[0] == counts[1], counts


SURVEYS = """
query($first: Int) { surveys(first: $first) { nodes { title status anonymous viewerResponded
  questions { prompt kind } viewerAnswers { rating } } } }"""


async def test_a_page_of_50_surveys_costs_the_same_as_5(gql, factory, count_queries):
    staff, token = await factory.member_with_token(role="MODERATOR")
    await Survey.bulk_create([Survey(author_id=staff.id, title=f"S{i}") for i in range(55)])
    ids = await Survey.all().values_list("id", flat=True)
    await SurveyQuestion.bulk_create(
        [SurveyQuestion(survey_id=i, position=p, kind="RATING", prompt=f"Q{p}") for i in ids for p in (1, 2)]
    )
    questions = await SurveyQuestion.filter(position=1).values_list("survey_id", "id")
    await SurveyResponse.bulk_create(
        [SurveyResponse(survey_id=s, respondent_id=staff.id, answers={str(q): 3}) for s, q in questions]
    )
    anonymous = [i for i in ids if i % 2]
    await Survey.filter(id__in=anonymous).update(anonymous=True)
    await SurveyParticipant.bulk_create([SurveyParticipant(survey_id=i, user_id=staff.id) for i in anonymous])
    await gql(SURVEYS, {"first": 1}, token=token)
    counts = []
    for first in (5, 50):
        with count_queries as counter:
            data = await gql(SURVEYS, {"first": first}, token=token)
        counts.append(counter.count)
    nodes = data["surveys"]["nodes"]
    node = next(n for n in nodes if not n["anonymous"])
    assert len(nodes) == 50 and len(node["questions"]) == 2
    assert node["viewerAnswers"] == [{"rating": 3}] and all(n["viewerResponded"] for n in nodes)
    assert all(n["viewerAnswers"] is None for n in nodes if n["anonymous"])
    assert counts[0] == counts[1], counts
