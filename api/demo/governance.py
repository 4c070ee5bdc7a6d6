"""Demo governance: a steering committee with an open community-wide secret vote and a closed
committee vote (its outcome announced), a poll, a survey with answers and an anonymous survey."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.domain.forum import posts, spaces
from api.domain.governance import ballots, closing, committees, deliberation, polls, proposals, surveys
from api.models.accounts import Committee, CommitteeRole, Visibility
from api.models.forum import Space
from api.models.governance import Electorate, Proposal, QuestionKind, VotingMethod
from api.settings import Settings
from api.timeutil import now


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users = state["users"]
    if await Committee.filter(name="Steering committee").exists():
        return
    admin, alice, bob, carol = users["admin"], users["alice"], users["bob"], users["carol"]
    li, wang = users["李明"], users["王芳"]
    committee = await committees.create_committee(
        admin,
        "Steering committee",
        "Decides the community's rules, events and budget.",
        Visibility.PUBLIC,
        settings=settings,
    )
    await committees.add_member(admin, committee.id, alice.id, CommitteeRole.CHAIR)
    for member in (bob, carol, li, wang):
        await committees.add_member(alice, committee.id, member.id, CommitteeRole.MEMBER)

    # A closed community-wide ranked-choice vote: discussed in the forum, its draft revised, its
    # outcome stored, announced to everyone, and explained by the chair's outcome statement.
    city = await proposals.create_proposal(
        alice,
        committee.id,
        proposals.ProposalInput(
            title="Where should the 2027 meetup be?",
            body="Rank the cities you would travel to.",
            method=VotingMethod.RANKED_CHOICE,
            options=["Lisbon", "Shanghai", "Toronto"],
            quorum_percent=30,
            electorate=Electorate.MEMBERS,
        ),
        settings=settings,
    )
    await proposals.update_proposal(
        alice,
        city.id,
        proposals.ProposalInput(body="Rank the cities you would travel to. Counted by instant run-off."),
        settings=settings,
    )
    space = (
        (state.get("forum_spaces") or {}).get("general")
        or await Space.filter(slug="governance").first()
        or await spaces.create_space(admin, spaces.SpaceInput(name="Governance", slug="governance"))
    )
    await deliberation.start_discussion(alice, city.id, space.id, settings=settings)
    topic_id = (await Proposal.get(id=city.id)).discussion_topic_id
    assert topic_id is not None
    await posts.create_post(
        bob, posts.PostInput(topic_id=topic_id, body="Toronto has cheap flights in May."), settings=settings
    )
    await posts.create_post(
        li, posts.PostInput(topic_id=topic_id, body="上海的场地我可以帮忙联系。"), settings=settings
    )
    await proposals.open_proposal(alice, city.id, settings=settings)
    for voter, ranking in (
        (alice, ["Lisbon", "Toronto"]),
        (bob, ["Toronto", "Lisbon"]),
        (li, ["Shanghai", "Lisbon"]),
        (wang, ["Shanghai", "Toronto"]),
        (carol, ["Lisbon", "Shanghai"]),
    ):
        await ballots.cast_vote(voter, city.id, ranking, settings=settings)
    await closing.close_early(alice, city.id, settings=settings)
    await deliberation.publish_outcome(
        alice,
        city.id,
        "Lisbon it is: we will book the venue for **May 2027** and open registrations in the autumn.",
        settings=settings,
    )

    # An open community-wide secret yes/no vote (every member votes), closing in a week.
    conduct = await proposals.create_proposal(
        bob,
        committee.id,
        proposals.ProposalInput(
            title="Adopt the code of conduct v2",
            body="The [draft](https://example.org/coc-v2) adds a section on **respectful disagreement**.",
            secret=True,
            quorum_percent=30,
            electorate=Electorate.MEMBERS,
        ),
        settings=settings,
    )
    await proposals.open_proposal(alice, conduct.id, settings=settings, closes_at=now() + timedelta(days=7))
    for voter, choice in ((alice, "YES"), (li, "YES"), (carol, "ABSTAIN"), (users["mod"], "YES")):
        await ballots.cast_vote(voter, conduct.id, [choice], settings=settings)

    poll = await polls.create_poll(
        carol,
        polls.PollInput(
            question="Which day suits the monthly call?",
            options=["Tuesday", "Wednesday", "Saturday"],
            multiple=True,
            max_choices=2,
            closes_at=now() + timedelta(days=14),
        ),
        settings=settings,
    )
    for voter, choices in ((alice, [0, 1]), (bob, [1]), (li, [2]), (wang, [1, 2])):
        await polls.vote(voter, poll.id, choices)

    survey = await surveys.create_survey(
        users["mod"],
        "Community survey 2026",
        "Five minutes, once a year.",
        [
            surveys.QuestionInput(
                QuestionKind.SINGLE, "How did you find us?", ["Search", "A friend", "Social media"], required=True
            ),
            surveys.QuestionInput(QuestionKind.MULTIPLE, "What do you use most?", ["Forum", "Q&A", "Knowledge base"]),
            surveys.QuestionInput(QuestionKind.RATING, "How welcome do you feel?", required=True),
            surveys.QuestionInput(QuestionKind.TEXT, "What should we improve?"),
        ],
        settings=settings,
        closes_at=now() + timedelta(days=30),
    )
    questions = [q.id for q in await survey.questions.all().order_by("position")]
    for respondent, source, used, rating, text in (
        (alice, 1, [0, 2], 5, "More meetups in Asia."),
        (li, 0, [1], 4, "中文文档更多一些。"),
        (bob, 2, [0], 3, ""),
    ):
        await surveys.submit_response(
            respondent,
            survey.id,
            [
                surveys.AnswerInput(questions[0], choices=[source]),
                surveys.AnswerInput(questions[1], choices=used),
                surveys.AnswerInput(questions[2], rating=rating),
                surveys.AnswerInput(questions[3], text=text),
            ],
            settings=settings,
        )

    # An anonymous survey: who answered is known (one response each), what they answered is not.
    safety = await surveys.create_survey(
        users["mod"],
        "How safe do you feel here?",
        "Anonymous: answers name nobody.",
        [
            surveys.QuestionInput(QuestionKind.RATING, "How safe do you feel sharing your views?", required=True),
            surveys.QuestionInput(QuestionKind.TEXT, "Anything we should know?"),
        ],
        settings=settings,
        closes_at=now() + timedelta(days=30),
        anonymous=True,
    )
    questions = [q.id for q in await safety.questions.all().order_by("position")]
    for respondent, rating, text in ((carol, 4, "Moderators answer quickly."), (wang, 5, "")):
        await surveys.submit_response(
            respondent,
            safety.id,
            [
                surveys.AnswerInput(questions[0], rating=rating),
                surveys.AnswerInput(questions[1], text=text),
            ],
            settings=settings,
        )
