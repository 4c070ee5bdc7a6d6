"""Q&A: ask, answer, vote, accept; reputation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.forum import posts as posts_domain
from api.domain.forum import qa as domain
from api.domain.forum import topics as topics_domain
from api.models.forum import TopicKind
from schema.accounts import Payload
from schema.context import Info
from schema.forum import loaders
from schema.forum.enums import VoteValue
from schema.forum.posts import subject_of
from schema.forum.types import Post, Topic
from schema.permissions import Require, guard
from schema.relay import parse_id


@strawberry.input(description="A new question.")
class AskQuestionInput:
    space_id: strawberry.ID = strawberry.field(description="The space to ask in.")
    title: str = strawberry.field(description="The question, 1 to MAX_TITLE_LENGTH characters.")
    body: str = strawberry.field(description="Details in Markdown, 1 to MAX_BODY_LENGTH characters.")
    tags: list[str] = strawberry.field(default_factory=list, description="At most FORUM_MAX_TAGS tags.")


@strawberry.input(description="An answer to a question.")
class AnswerQuestionInput:
    question_id: strawberry.ID = strawberry.field(description="The question (a Topic of kind QUESTION).")
    body: str = strawberry.field(description="The answer in Markdown.")


@strawberry.input(description="A vote on a question or an answer.")
class VoteInput:
    subject_id: strawberry.ID = strawberry.field(description="Global id of a question (Topic) or answer (Post).")
    value: VoteValue = strawberry.field(description="UP, DOWN or NONE (withdraw).")


@strawberry.input(description="Accept (or un-accept) an answer.")
class AcceptAnswerInput:
    answer_id: strawberry.ID = strawberry.field(description="The answer.")
    accepted: bool = strawberry.field(default=True, description="False withdraws the acceptance.")


@strawberry.type(description="Result of `askQuestion`.")
class AskQuestionPayload(Payload):
    question: Topic | None = strawberry.field(default=None, description="The question.")


@strawberry.type(description="Result of `answerQuestion`.")
class AnswerQuestionPayload(Payload):
    answer: Post | None = strawberry.field(default=None, description="The answer.")


@strawberry.type(description="Result of `vote`.")
class VotePayload(Payload):
    question: Topic | None = strawberry.field(default=None, description="The question voted on (or the answer's).")
    answer: Post | None = strawberry.field(default=None, description="The answer voted on, if an answer.")


@strawberry.type(description="Result of `acceptAnswer`.")
class AcceptAnswerPayload(Payload):
    question: Topic | None = strawberry.field(default=None, description="The question.")
    answer: Post | None = strawberry.field(default=None, description="The answer.")


@strawberry.type
class Query:
    @strawberry.field(description="A member's reputation (sum of their ledger, never negative).")
    async def reputation(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="The member.")],
    ) -> int:
        return await loaders.reputation(info).load(parse_id(user_id, "User", "userId"))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Ask a question (a topic of kind QUESTION).")
    @guard(Require.MEMBER)
    async def ask_question(
        self, info: Info, input: Annotated[AskQuestionInput, strawberry.argument(description="A new question.")]
    ) -> AskQuestionPayload:
        topic = await topics_domain.create_topic(
            info.context.viewer,
            topics_domain.TopicInput(
                space_id=parse_id(input.space_id, "Space", "spaceId"),
                title=input.title,
                body=input.body,
                tags=list(input.tags),
                kind=TopicKind.QUESTION,
            ),
            settings=info.context.settings,
        )
        return AskQuestionPayload(question=topic)

    @strawberry.mutation(description="Answer a question; the asker is notified.")
    @guard(Require.MEMBER)
    async def answer_question(
        self,
        info: Info,
        input: Annotated[AnswerQuestionInput, strawberry.argument(description="An answer to a question.")],
    ) -> AnswerQuestionPayload:
        post = await posts_domain.create_post(
            info.context.viewer,
            posts_domain.PostInput(topic_id=parse_id(input.question_id, "Topic", "questionId"), body=input.body),
            settings=info.context.settings,
            answer=True,
        )
        return AnswerQuestionPayload(answer=post)

    @strawberry.mutation(description="Vote on a question or an answer (not your own). One vote per member.")
    @guard(Require.MEMBER)
    async def vote(
        self,
        info: Info,
        input: Annotated[VoteInput, strawberry.argument(description="A vote on a question or an answer.")],
    ) -> VotePayload:
        subject_type, subject_id = subject_of(input.subject_id)
        topic, post = await domain.vote(
            info.context.viewer, subject_type, subject_id, input.value.value, settings=info.context.settings
        )
        return VotePayload(question=topic, answer=post)

    @strawberry.mutation(description="Accept an answer (the asker or a moderator); replaces any accepted one.")
    @guard(Require.MEMBER)
    async def accept_answer(
        self,
        info: Info,
        input: Annotated[AcceptAnswerInput, strawberry.argument(description="Accept (or un-accept) an answer.")],
    ) -> AcceptAnswerPayload:
        topic, post = await domain.accept_answer(
            info.context.viewer, parse_id(input.answer_id, "Post", "answerId"), input.accepted
        )
        return AcceptAnswerPayload(question=topic, answer=post)
