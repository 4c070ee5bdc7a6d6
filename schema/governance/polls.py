"""Polls: quick questions, standalone or on a forum topic."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.forum.access import visible_topic
from api.domain.governance import polls as domain
from api.errors import DomainError
from api.models import accounts as account_models
from api.models import governance as models
from api.policy import visible
from schema.accounts import Payload, User
from schema.context import Info
from schema.errors import PublicError
from schema.governance import access
from schema.governance.enums import OpenState, PollResults
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, parse_id


@strawberry.type(description="An option of a poll and, when results show, its votes.")
class PollOption:
    index: int = strawberry.field(description="Position of the option (0-based), used when voting.")
    label: str = strawberry.field(description="The option's text.")
    votes: int | None = strawberry.field(description="Votes for it; null while results are hidden.")


@strawberry.type(description="A member's vote in a public (non-anonymous) poll.")
class PollVoter:
    user: User = strawberry.field(description="The voter.")
    choices: list[int] = strawberry.field(description="Indexes of the options they chose.")


@strawberry.type(description="A poll: a question with options, standalone or attached to a forum topic.")
class Poll(ModelNode):
    model = models.Poll

    id: relay.NodeID[int]
    question: str = strawberry.field(description="The question.")
    multiple: bool = strawberry.field(description="Whether several options may be chosen.")
    max_choices: int = strawberry.field(description="Most options one vote may choose.")
    anonymous: bool = strawberry.field(description="Anonymous: voters are never shown.")
    results: PollResults = strawberry.field(description="When results show.")
    allow_change: bool = strawberry.field(description="Whether a vote may be changed or retracted.")
    closes_at: datetime | None = strawberry.field(description="When the poll closes by itself.")
    closed_at: datetime | None = strawberry.field(description="When it was closed early, if it was.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @strawberry.field(description="Global id of the forum topic it belongs to, if any.")
    @staticmethod
    def topic_id(root: strawberry.Parent[models.Poll]) -> strawberry.ID | None:
        topic = root.topic_id
        return None if topic is None else strawberry.ID(str(relay.GlobalID("Topic", str(topic))))

    @strawberry.field(description="OPEN or CLOSED (a poll past `closesAt` is CLOSED).")
    def status(self) -> OpenState:
        return models.PollStatus.CLOSED if domain.is_closed(self) else models.PollStatus.OPEN

    @strawberry.field(description="Who created it.")
    @staticmethod
    async def author(root: strawberry.Parent[models.Poll], info: Info) -> User | None:
        if root.author_id is None:
            return None
        return await info.context.loaders.by_id(account_models.User).load(root.author_id)

    @strawberry.field(description="The options, with votes when results show.")
    async def options(self, info: Info) -> list[PollOption]:
        shown = domain.results_visible(self)
        counts = await access.poll_counts(info).load(self.id) if shown else {}
        return [
            PollOption(index=i, label=label, votes=counts.get(i, 0) if shown else None)
            for i, label in enumerate(self.options)
        ]

    @strawberry.field(description="How many members voted.")
    @staticmethod
    async def voter_count(root: strawberry.Parent[models.Poll], info: Info) -> int:
        return await access.poll_voter_counts(info).load(root.id)

    @strawberry.field(description="Option indexes the viewer chose, if they voted.")
    @staticmethod
    async def viewer_choices(root: strawberry.Parent[models.Poll], info: Info) -> list[int] | None:
        if info.context.viewer is None:
            return None
        vote = await access.viewer_poll_votes(info).load(root.id)
        return list(vote.choices) if vote else None

    @strawberry.field(description="Who voted for what: public polls only, once results show; empty otherwise.")
    async def voters(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[PollVoter]:
        query = models.PollVote.filter(poll_id=self.id).select_related("voter").order_by("id")
        if self.anonymous or not domain.results_visible(self):
            query = query.filter(id__lt=0)
        page = await paginate(info, query, first=first, after=after, last=last, before=before, prime=False)
        page.map_items(lambda vote: PollVoter(user=vote.voter, choices=list(vote.choices)))
        return page


@strawberry.input(description="A new poll.")
class CreatePollInput:
    question: str = strawberry.field(description="The question.")
    options: list[str] = strawberry.field(description="At least two options.")
    topic_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the forum topic it belongs to, if any."
    )
    multiple: bool = strawberry.field(default=False, description="Allow several options.")
    max_choices: int | None = strawberry.field(
        default=None, description="Most options per vote (multiple choice; default all)."
    )
    closes_at: datetime | None = strawberry.field(default=None, description="When it closes by itself.")
    anonymous: bool = strawberry.field(default=False, description="Never show who voted.")
    results: PollResults = strawberry.field(default=models.PollResults.ALWAYS, description="When results show.")
    allow_change: bool = strawberry.field(default=True, description="Allow changing and retracting votes.")


@strawberry.input(description="A vote in a poll.")
class VotePollInput:
    poll_id: strawberry.ID = strawberry.field(description="Global id of the poll.")
    choices: list[int] = strawberry.field(description="Indexes of the chosen options.")


@strawberry.input(description="A poll to act on.")
class PollActionInput:
    poll_id: strawberry.ID = strawberry.field(description="Global id of the poll.")


@strawberry.type(description="Result of a poll mutation.")
class PollPayload(Payload):
    poll: Poll | None = strawberry.field(default=None, description="The poll.")


def _poll_id(value: strawberry.ID) -> int:
    return parse_id(value, "Poll", "pollId")


@strawberry.type
class Query:
    @strawberry.field(
        description="Polls, newest first: those of a forum topic (if the viewer sees it), or the standalone ones."
    )
    async def polls(
        self,
        info: Info,
        topic_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only the polls of this forum topic.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Poll]:
        query = (await visible(models.Poll, info.context.viewer, info.context.memo)).order_by("-created_at", "-id")
        if topic_id is None:
            query = query.filter(topic_id__isnull=True)
        else:
            try:
                topic, _ = await visible_topic(info.context.viewer, parse_id(topic_id, "Topic", "topicId"))
            except DomainError as exc:
                raise PublicError(exc.message) from None
            query = query.filter(topic_id=topic.id)
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a poll.")
    @guard(Require.MEMBER)
    async def create_poll(
        self,
        info: Info,
        input: Annotated[CreatePollInput, strawberry.argument(description="The poll.")],
    ) -> PollPayload:
        poll = await domain.create_poll(
            info.context.viewer,
            domain.PollInput(
                question=input.question,
                options=input.options,
                multiple=input.multiple,
                max_choices=input.max_choices,
                closes_at=input.closes_at,
                anonymous=input.anonymous,
                results=models.PollResults(input.results),
                allow_change=input.allow_change,
                topic_id=None if input.topic_id is None else parse_id(input.topic_id, "Topic", "topicId"),
            ),
            settings=info.context.settings,
        )
        return PollPayload(poll=poll)

    @strawberry.mutation(description="Vote in a poll, or change the vote if the poll allows it.")
    @guard(Require.MEMBER)
    async def vote_poll(
        self,
        info: Info,
        input: Annotated[VotePollInput, strawberry.argument(description="The vote.")],
    ) -> PollPayload:
        vote = await domain.vote(info.context.viewer, _poll_id(input.poll_id), input.choices)
        return PollPayload(poll=await models.Poll.get(id=vote.poll_id))

    @strawberry.mutation(description="Withdraw the viewer's vote (polls that allow changes).")
    @guard(Require.MEMBER)
    async def retract_poll_vote(
        self,
        info: Info,
        input: Annotated[PollActionInput, strawberry.argument(description="The poll.")],
    ) -> PollPayload:
        return PollPayload(poll=await domain.retract(info.context.viewer, _poll_id(input.poll_id)))

    @strawberry.mutation(description="Close a poll now (its author or moderators).")
    @guard(Require.MEMBER)
    async def close_poll(
        self,
        info: Info,
        input: Annotated[PollActionInput, strawberry.argument(description="The poll.")],
    ) -> PollPayload:
        return PollPayload(poll=await domain.close(info.context.viewer, _poll_id(input.poll_id)))

    @strawberry.mutation(description="Delete a poll (its author or moderators); it disappears for everyone.")
    @guard(Require.MEMBER)
    async def delete_poll(
        self,
        info: Info,
        input: Annotated[PollActionInput, strawberry.argument(description="The poll.")],
    ) -> PollPayload:
        await domain.delete(info.context.viewer, _poll_id(input.poll_id))
        return PollPayload(poll=None)
