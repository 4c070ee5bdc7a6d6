"""Surveys: questionnaires, one editable response per member, results and CSV for staff."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.governance import surveys as domain
from api.errors import DomainError
from api.models import accounts as account_models
from api.models import governance as models
from api.policy import visible
from schema.accounts import Payload, Role
from schema.context import Info
from schema.errors import PublicError
from schema.governance.enums import OpenState, QuestionKind, SurveyAudience
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, node_global_id, paginate, parse_id


@strawberry.type(description="A question of a survey.")
class SurveyQuestion(ModelNode):
    model = models.SurveyQuestion

    id: relay.NodeID[int]
    position: int = strawberry.field(description="Order within the survey, from 1.")
    kind: QuestionKind = strawberry.field(description="The kind of answer it takes.")
    prompt: str = strawberry.field(description="The question.")
    options: list[str] = strawberry.field(description="Options of SINGLE and MULTIPLE questions.")
    required: bool = strawberry.field(description="Whether a response must answer it.")


@strawberry.type(description="A viewer's answer to one question.")
class SurveyAnswer:
    question_id: strawberry.ID = strawberry.field(description="Global id of the question.")
    choices: list[int] | None = strawberry.field(description="Chosen option indexes (SINGLE, MULTIPLE).")
    text: str | None = strawberry.field(description="Free text (TEXT).")
    rating: int | None = strawberry.field(description="1 to 5 (RATING).")


@strawberry.type(description="A questionnaire members answer once (editable until it closes, except anonymous ones).")
class Survey(ModelNode):
    model = models.Survey

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title.")
    anonymous: bool = strawberry.field(
        description="Answers are stored with nothing that names the member; a "
        "response is final and `viewerAnswers` stays null."
    )
    audience: SurveyAudience = strawberry.field(description="Who the survey is for.")
    audience_min_trust_level: int | None = strawberry.field(description="For TRUST_LEVEL: the lowest level.")

    @strawberry.field(description="For ROLES: the roles it is for.")
    def audience_roles(self) -> list[Role]:
        return [account_models.Role(r) for r in self.audience_roles.strip(",").split(",") if r]

    @strawberry.field(description="For COMMITTEE: global id of the committee it is for.")
    def audience_committee_id(self) -> strawberry.ID | None:
        committee_id = self.audience_committee_id
        return None if committee_id is None else strawberry.ID(node_global_id("Committee", committee_id))

    @strawberry.field(description="For SEGMENT: global id of the saved segment it is for.")
    def audience_segment_id(self) -> strawberry.ID | None:
        segment_id = self.audience_segment_id
        return None if segment_id is None else strawberry.ID(node_global_id("Segment", segment_id))

    description: str = strawberry.field(description="Introduction.")
    closes_at: datetime | None = strawberry.field(description="When it closes by itself.")
    closed_at: datetime | None = strawberry.field(description="When it was closed early, if it was.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @strawberry.field(description="OPEN or CLOSED (a survey past `closesAt` is CLOSED).")
    def status(self) -> OpenState:
        return models.PollStatus.CLOSED if domain.is_closed(self) else models.PollStatus.OPEN

    @strawberry.field(description="The questions, in order.")
    @staticmethod
    async def questions(root: strawberry.Parent[models.Survey], info: Info) -> list[SurveyQuestion]:
        return await info.context.loaders.many(models.SurveyQuestion, "survey_id", order_by=("position",)).load(root.id)

    @strawberry.field(description="Whether the viewer has responded (anonymous surveys included).")
    @staticmethod
    async def viewer_responded(root: strawberry.Parent[models.Survey], info: Info) -> bool:
        viewer = info.context.viewer
        if viewer is None:
            return False
        if root.anonymous:
            rows = await info.context.loaders.many(models.SurveyParticipant, "survey_id", user_id=viewer.id).load(
                root.id
            )
        else:
            rows = await info.context.loaders.many(models.SurveyResponse, "survey_id", respondent_id=viewer.id).load(
                root.id
            )
        return bool(rows)

    @strawberry.field(description="The viewer's answers, if they responded (null for anonymous surveys).")
    @staticmethod
    async def viewer_answers(root: strawberry.Parent[models.Survey], info: Info) -> list[SurveyAnswer] | None:
        viewer = info.context.viewer
        if viewer is None or root.anonymous:
            return None
        rows = await info.context.loaders.many(models.SurveyResponse, "survey_id", respondent_id=viewer.id).load(
            root.id
        )
        if not rows:
            return None
        questions = {
            str(q.id): q
            for q in await info.context.loaders.many(models.SurveyQuestion, "survey_id", order_by=("position",)).load(
                root.id
            )
        }
        answers = []
        for key, value in rows[0].answers.items():
            question = questions.get(key)
            if question is None:
                continue
            kind = models.QuestionKind(question.kind)
            answers.append(
                SurveyAnswer(
                    question_id=strawberry.ID(str(relay.GlobalID("SurveyQuestion", key))),
                    choices=value if kind in (models.QuestionKind.SINGLE, models.QuestionKind.MULTIPLE) else None,
                    text=value if kind is models.QuestionKind.TEXT else None,
                    rating=value if kind is models.QuestionKind.RATING else None,
                )
            )
        return answers


@strawberry.type(description="Aggregated answers to one question.")
class SurveyQuestionResult:
    question: SurveyQuestion = strawberry.field(description="The question.")
    answered: int = strawberry.field(description="Responses that answered it.")
    option_counts: list[int] = strawberry.field(description="Choices per option, in option order.")
    rating_counts: list[int] = strawberry.field(description="Ratings 1 to 5: how many of each.")
    rating_average: float | None = strawberry.field(description="Average rating, if any.")
    texts: list[str] = strawberry.field(description="The text answers (TEXT), anonymised.")


@strawberry.type(description="Aggregated results of a survey (staff).")
class SurveyResults:
    survey: Survey = strawberry.field(description="The survey.")
    responses: int = strawberry.field(description="How many members responded.")
    questions: list[SurveyQuestionResult] = strawberry.field(description="Results per question, in order.")


@strawberry.input(description="A question of a new survey.")
class SurveyQuestionInput:
    kind: QuestionKind = strawberry.field(description="The kind of answer.")
    prompt: str = strawberry.field(description="The question.")
    options: list[str] = strawberry.field(default_factory=list, description="Options (SINGLE, MULTIPLE).")
    required: bool = strawberry.field(default=False, description="Whether responses must answer it.")


@strawberry.input(description="A new survey (staff).")
class CreateSurveyInput:
    title: str = strawberry.field(description="Title.")
    description: str = strawberry.field(default="", description="Introduction.")
    questions: list[SurveyQuestionInput] = strawberry.field(description="The questions, in order.")
    closes_at: datetime | None = strawberry.field(default=None, description="When it closes by itself.")
    anonymous: bool = strawberry.field(default=False, description="Store answers with nothing naming the member.")
    audience: SurveyAudience = strawberry.field(
        default=models.SurveyAudience.EVERYONE, description="Who the survey is for."
    )
    audience_committee_id: strawberry.ID | None = strawberry.field(default=None, description="For COMMITTEE.")
    audience_roles: list[Role] | None = strawberry.field(default=None, description="For ROLES.")
    audience_min_trust_level: int | None = strawberry.field(default=None, description="For TRUST_LEVEL (0-4).")
    audience_segment_id: strawberry.ID | None = strawberry.field(
        default=None, description="For SEGMENT: global id of the saved Segment (its members when they read it)."
    )


@strawberry.input(description="An answer to one question.")
class SurveyAnswerInput:
    question_id: strawberry.ID = strawberry.field(description="Global id of the question.")
    choices: list[int] | None = strawberry.field(default=None, description="Option indexes (SINGLE, MULTIPLE).")
    text: str | None = strawberry.field(default=None, description="Free text (TEXT).")
    rating: int | None = strawberry.field(default=None, description="1 to 5 (RATING).")


@strawberry.input(
    description="The viewer's response; replaces an earlier one while the survey is open "
    "(anonymous surveys take one final response)."
)
class SubmitSurveyResponseInput:
    survey_id: strawberry.ID = strawberry.field(description="Global id of the survey.")
    answers: list[SurveyAnswerInput] = strawberry.field(description="Answers; unanswered questions omitted.")


@strawberry.input(description="A survey to act on.")
class SurveyActionInput:
    survey_id: strawberry.ID = strawberry.field(description="Global id of the survey.")


@strawberry.type(description="Result of a survey mutation.")
class SurveyPayload(Payload):
    survey: Survey | None = strawberry.field(default=None, description="The survey.")


def _survey_id(value: strawberry.ID) -> int:
    return parse_id(value, "Survey", "surveyId")


def _public(exc: DomainError) -> PublicError:
    return PublicError(exc.message)


@strawberry.type
class Query:
    @strawberry.field(description="Surveys, newest first.")
    async def surveys(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Survey]:
        query = await visible(models.Survey, info.context.viewer, info.context.memo)
        return await paginate(
            info, query.order_by("-created_at", "-id"), first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="Aggregated answers of a survey (moderators and admins).")
    async def survey_results(
        self,
        info: Info,
        survey_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the survey.")],
    ) -> SurveyResults:
        try:
            survey, count, results = await domain.results(info.context.viewer, _survey_id(survey_id))
        except DomainError as exc:
            raise _public(exc) from None
        return SurveyResults(
            survey=survey,
            responses=count,
            questions=[
                SurveyQuestionResult(
                    question=r.question,
                    answered=r.answered,
                    option_counts=r.option_counts,
                    rating_counts=r.rating_counts,
                    rating_average=r.rating_average,
                    texts=r.texts,
                )
                for r in results
            ],
        )

    @strawberry.field(description="Every response as CSV text (moderators and admins).")
    async def survey_csv(
        self,
        info: Info,
        survey_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the survey.")],
    ) -> str:
        try:
            return await domain.export_csv(info.context.viewer, _survey_id(survey_id))
        except DomainError as exc:
            raise _public(exc) from None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a survey with its questions (moderators and admins).")
    @guard(Require.MODERATOR)
    async def create_survey(
        self,
        info: Info,
        input: Annotated[CreateSurveyInput, strawberry.argument(description="The survey.")],
    ) -> SurveyPayload:
        survey = await domain.create_survey(
            info.context.viewer,
            input.title,
            input.description,
            [
                domain.QuestionInput(models.QuestionKind(q.kind), q.prompt, list(q.options), q.required)
                for q in input.questions
            ],
            settings=info.context.settings,
            closes_at=input.closes_at,
            anonymous=input.anonymous,
            audience=domain.AudienceInput(
                kind=models.SurveyAudience(input.audience),
                committee_id=parse_id(input.audience_committee_id, "Committee", "audienceCommitteeId")
                if input.audience_committee_id
                else None,
                roles=[account_models.Role(r) for r in input.audience_roles or []],
                min_trust_level=input.audience_min_trust_level,
                segment_id=parse_id(input.audience_segment_id, "Segment", "audienceSegmentId")
                if input.audience_segment_id
                else None,
            ),
        )
        return SurveyPayload(survey=survey)

    @strawberry.mutation(description="Answer a survey, or replace the viewer's answers while it is open.")
    @guard(Require.MEMBER)
    async def submit_survey_response(
        self,
        info: Info,
        input: Annotated[SubmitSurveyResponseInput, strawberry.argument(description="The answers.")],
    ) -> SurveyPayload:
        survey_id = _survey_id(input.survey_id)
        answers = [
            domain.AnswerInput(parse_id(a.question_id, "SurveyQuestion", "answers"), a.choices, a.text, a.rating)
            for a in input.answers
        ]
        await domain.submit_response(info.context.viewer, survey_id, answers, settings=info.context.settings)
        return SurveyPayload(survey=await models.Survey.get(id=survey_id))

    @strawberry.mutation(description="Delete a survey (moderators and admins); it disappears, its responses are kept.")
    @guard(Require.MODERATOR)
    async def delete_survey(
        self,
        info: Info,
        input: Annotated[SurveyActionInput, strawberry.argument(description="The survey.")],
    ) -> SurveyPayload:
        await domain.delete_survey(info.context.viewer, _survey_id(input.survey_id))
        return SurveyPayload(survey=None)

    @strawberry.mutation(description="Close a survey now (moderators and admins).")
    @guard(Require.MODERATOR)
    async def close_survey(
        self,
        info: Info,
        input: Annotated[SurveyActionInput, strawberry.argument(description="The survey.")],
    ) -> SurveyPayload:
        return SurveyPayload(survey=await domain.close_survey(info.context.viewer, _survey_id(input.survey_id)))
