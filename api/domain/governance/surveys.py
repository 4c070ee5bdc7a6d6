"""Surveys: ordered questions (SINGLE, MULTIPLE, TEXT, RATING 1-5), one response per member,
editable until the survey closes; aggregated results and a CSV export for staff.

Anonymous surveys keep who answered (`SurveyParticipant`, for one response per member) apart from
what was answered (`AnonymousSurveyResponse`: random id, no respondent, no time), written in one
transaction; nothing joins them, so neither staff nor the CSV can tell who answered what. Such a
response is final."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError, TransactionManagementError

from api import text
from api.db import column, fetch_all, is_postgres
from api.domain.content import gate
from api.domain.content.events import ContentRemoved, Submission
from api.errors import Conflict, DomainError, ErrorCode, Invalid, NotFound, collect
from api.events import emit
from api.models.accounts import Committee, Role, User
from api.models.governance import (
    AnonymousSurveyResponse,
    PollStatus,
    QuestionKind,
    Survey,
    SurveyAudience,
    SurveyParticipant,
    SurveyQuestion,
    SurveyResponse,
)
from api.policies import require_can_act, require_role
from api.policy import can_view
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

from .proposals import option_problem, title_limit

RATING_MIN, RATING_MAX = 1, 5
_ATTEMPTS = 5


class SurveyClosed(DomainError):
    code = ErrorCode.CLOSED


@dataclass(frozen=True)
class QuestionInput:
    kind: QuestionKind
    prompt: str
    options: list[str] = field(default_factory=list)
    required: bool = False


@dataclass(frozen=True)
class AudienceInput:
    """Who a survey is for: everyone, or a committee, roles, a trust level or a saved segment."""

    kind: SurveyAudience = SurveyAudience.EVERYONE
    committee_id: int | None = None
    roles: list[Role] = field(default_factory=list)
    min_trust_level: int | None = None
    segment_id: int | None = None


async def _audience_values(audience: AudienceInput, settings: Settings) -> dict[str, Any]:
    kind = SurveyAudience(audience.kind)
    values: dict[str, Any] = {"audience": kind}
    if kind is SurveyAudience.COMMITTEE:
        if audience.committee_id is None or not await Committee.filter(id=audience.committee_id).exists():
            raise NotFound("Name an existing committee.", field="audienceCommitteeId")
        values["audience_committee_id"] = audience.committee_id
    elif kind is SurveyAudience.ROLES:
        if not audience.roles:
            raise Invalid("Name at least one role.", field="audienceRoles")
        values["audience_roles"] = "," + ",".join(sorted({Role(r).value for r in audience.roles})) + ","
    elif kind is SurveyAudience.TRUST_LEVEL:
        if audience.min_trust_level is None or not 0 <= audience.min_trust_level <= 4:
            raise Invalid("Choose a trust level from 0 to 4.", field="audienceMinTrustLevel")
        values["audience_min_trust_level"] = audience.min_trust_level
    elif kind is SurveyAudience.SEGMENT:
        from api.domain.moderation.questions import SegmentMemberIds
        from api.events import decide

        if audience.segment_id is None or await decide(SegmentMemberIds(audience.segment_id), settings) is None:
            raise NotFound("Name an existing segment.", field="audienceSegmentId")
        values["audience_segment_id"] = audience.segment_id
    return values


@dataclass(frozen=True)
class AnswerInput:
    question_id: int
    choices: list[int] | None = None
    text: str | None = None
    rating: int | None = None


def is_closed(survey: Survey) -> bool:
    return survey.status == PollStatus.CLOSED or (survey.closes_at is not None and survey.closes_at <= now())


async def create_survey(
    actor: User | None,
    title: str,
    description: str,
    questions: list[QuestionInput],
    *,
    closes_at: datetime | None = None,
    anonymous: bool = False,
    audience: AudienceInput | None = None,
    settings: Settings,
) -> Survey:
    """Staff create a survey with its questions, in order."""
    require_role(actor, Role.MODERATOR)
    member = await require_can_act(actor)
    errors: list[DomainError] = []
    title = text.line(title, "title", title_limit(settings), what="a title", errors=errors)
    description = text.block(description, "description", settings.max_body_length, required=False, errors=errors)
    if not questions:
        errors.append(Invalid("Ask at least one question.", field="questions"))
    elif len(questions) > settings.survey_max_questions:
        errors.append(Invalid(f"Ask at most {settings.survey_max_questions} questions.", field="questions"))
    for number, question in enumerate(questions, start=1):
        prompt = text.one_line(question.prompt)
        if not prompt or len(prompt) > title_limit(settings):
            errors.append(
                Invalid(
                    f"Question {number}: write a prompt of at most {title_limit(settings)} characters.",
                    field="questions",
                )
            )
        kind = QuestionKind(question.kind)
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if problem := option_problem([text.one_line(o) for o in question.options], settings):
                errors.append(Invalid(f"Question {number}: {problem}", field="questions"))
        elif question.options:
            errors.append(Invalid(f"Question {number}: {kind.value} questions take no options.", field="questions"))
    moment = now()
    if closes_at is not None and not (
        moment < closes_at <= moment + timedelta(days=settings.governance_max_voting_days)
    ):
        errors.append(
            Invalid(f"Choose a time in the next {settings.governance_max_voting_days} days.", field="closesAt")
        )
    collect(errors)
    targeted = await _audience_values(audience or AudienceInput(), settings)
    texts = {"title": title, "description": description}
    for number, q in enumerate(questions):
        texts[f"questions.{number}.prompt"] = text.one_line(q.prompt)
        texts.update({f"questions.{number}.options.{i}": text.one_line(o) for i, o in enumerate(q.options)})
    verdict = await gate.check(Submission(author=member, content_type="Survey", texts=texts), settings)
    async with transaction():
        survey = await Survey.create(
            author_id=member.id,
            title=verdict.text("title", title),
            description=verdict.text("description", description),
            closes_at=closes_at,
            anonymous=anonymous,
            **targeted,
        )
        await SurveyQuestion.bulk_create(
            [
                SurveyQuestion(
                    survey_id=survey.id,
                    position=number + 1,
                    kind=q.kind,
                    prompt=verdict.text(f"questions.{number}.prompt", texts[f"questions.{number}.prompt"]),
                    options=[
                        verdict.text(f"questions.{number}.options.{i}", text.one_line(o))
                        for i, o in enumerate(q.options)
                    ],
                    required=q.required,
                )
                for number, q in enumerate(questions)
            ]
        )
        await gate.announce(verdict, "Survey", survey.id, member.id)
    return survey


async def _get(survey_id: int) -> Survey:
    survey = await Survey.filter(id=survey_id).first()
    if survey is None:
        raise NotFound("No such survey.", field="surveyId")
    return survey


async def get_visible(viewer: User | None, survey_id: int) -> Survey:
    """The survey if the viewer may see it (its read policy), else NotFound."""
    survey = await _get(survey_id)
    if not await can_view(viewer, survey):
        raise NotFound("No such survey.", field="surveyId")
    return survey


def _validate(questions: list[SurveyQuestion], answers: list[AnswerInput], settings: Settings) -> dict[str, Any]:
    by_id = {q.id: q for q in questions}
    stored: dict[str, Any] = {}
    errors: list[DomainError] = []
    for answer in answers:
        question = by_id.get(answer.question_id)
        if question is None:
            errors.append(Invalid("Not a question of this survey.", field="answers"))
            continue
        if str(question.id) in stored:
            errors.append(Invalid(f"Question {question.position} is answered twice.", field="answers"))
            continue
        kind = QuestionKind(question.kind)
        label = f"Question {question.position}"
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            choices = answer.choices or []
            if not choices:
                continue  # unanswered
            if len(set(choices)) != len(choices) or any(not 0 <= c < len(question.options) for c in choices):
                errors.append(Invalid(f"{label}: choose listed options, each once.", field="answers"))
            elif kind is QuestionKind.SINGLE and len(choices) != 1:
                errors.append(Invalid(f"{label}: choose one option.", field="answers"))
            else:
                stored[str(question.id)] = sorted(choices)
        elif kind is QuestionKind.TEXT:
            text = (answer.text or "").strip()
            if not text:
                continue
            if len(text) > settings.survey_max_answer_length:
                errors.append(
                    Invalid(f"{label}: use at most {settings.survey_max_answer_length} characters.", field="answers")
                )
            else:
                stored[str(question.id)] = text
        else:
            if answer.rating is None:
                continue
            if not RATING_MIN <= answer.rating <= RATING_MAX:
                errors.append(Invalid(f"{label}: rate from {RATING_MIN} to {RATING_MAX}.", field="answers"))
            else:
                stored[str(question.id)] = answer.rating
    for question in questions:
        if question.required and str(question.id) not in stored:
            errors.append(Invalid(f"Question {question.position} needs an answer.", field="answers"))
    collect(errors)
    return stored


async def _lock_open(survey_id: int) -> Survey:
    if is_postgres():
        await fetch_all("SELECT id FROM governance_surveys WHERE id = ? FOR SHARE", [survey_id])
    survey = await _get(survey_id)
    if is_closed(survey):
        raise SurveyClosed("This survey has closed.", field="surveyId")
    return survey


async def _submit_anonymous(member: User, survey_id: int, stored: dict[str, Any]) -> None:
    """The participant row claims the member's one response; the answers go in unlinked."""
    try:
        async with transaction():
            await _lock_open(survey_id)
            await SurveyParticipant.create(survey_id=survey_id, user_id=member.id)
            await AnonymousSurveyResponse.create(id=uuid.uuid4(), survey_id=survey_id, answers=stored)
    except (IntegrityError, TransactionManagementError):
        raise Conflict(
            "You have answered this anonymous survey already; anonymous answers are final.", field="surveyId"
        ) from None


async def submit_response(
    actor: User | None, survey_id: int, answers: list[AnswerInput], *, settings: Settings
) -> SurveyResponse | None:
    """Answer the survey, or replace the member's earlier answers while it is open. Anonymous
    surveys take one final response and return None (nothing names the member's answers)."""
    member = await require_can_act(actor)
    survey = await get_visible(member, survey_id)
    questions = list(await SurveyQuestion.filter(survey_id=survey_id).order_by("position"))
    stored = _validate(questions, answers, settings)
    written = {f"answers.{key}": value for key, value in stored.items() if isinstance(value, str)}
    if written:  # free-text answers are member text too
        verdict = await gate.check(Submission(author=member, content_type="SurveyResponse", texts=written), settings)
        stored.update({key.removeprefix("answers."): verdict.text(key, value) for key, value in written.items()})
    if survey.anonymous:
        await _submit_anonymous(member, survey_id, stored)
        return None
    for attempt in range(_ATTEMPTS):
        try:
            async with transaction():
                await _lock_open(survey_id)
                response = (
                    await SurveyResponse.filter(survey_id=survey_id, respondent_id=member.id)
                    .select_for_update()
                    .first()
                )
                if response is None:
                    return await SurveyResponse.create(survey_id=survey_id, respondent_id=member.id, answers=stored)
                response.answers = stored
                await response.save(update_fields=["answers", "updated_at"])
                return response
        except (IntegrityError, TransactionManagementError):
            if attempt == _ATTEMPTS - 1:
                raise Conflict("Your response changed at the same moment; try again.", field="surveyId") from None
    raise AssertionError("unreachable")


async def close_survey(actor: User | None, survey_id: int) -> Survey:
    require_role(actor, Role.MODERATOR)
    await _get(survey_id)
    if not await Survey.filter(id=survey_id, status=PollStatus.OPEN).update(status=PollStatus.CLOSED, closed_at=now()):
        raise Conflict("This survey is closed already.", field="surveyId")
    return await _get(survey_id)


async def delete_survey(actor: User | None, survey_id: int) -> None:
    """Staff delete a survey: it disappears for everyone (soft delete, responses kept), as a
    moderator's delete of a reported one does."""
    require_role(actor, Role.MODERATOR)
    survey = await _get(survey_id)
    async with transaction():
        if not await Survey.filter(id=survey_id, deleted_at__isnull=True).update(deleted_at=now()):
            raise NotFound("No such survey.", field="surveyId")
        await emit(ContentRemoved(content_type="Survey", content_id=survey_id, author_id=survey.author_id))


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int = 0
    option_counts: list[int] = field(default_factory=list)
    rating_counts: list[int] = field(default_factory=lambda: [0] * RATING_MAX)
    rating_average: float | None = None
    texts: list[str] = field(default_factory=list)


async def results(actor: User | None, survey_id: int) -> tuple[Survey, int, list[QuestionResult]]:
    """Aggregated answers (staff only): (survey, responses, one result per question)."""
    require_role(actor, Role.MODERATOR)
    survey = await _get(survey_id)
    questions = list(await SurveyQuestion.filter(survey_id=survey_id).order_by("position"))
    responses = await _answer_sets(survey)
    out = [QuestionResult(question=q, option_counts=[0] * len(q.options)) for q in questions]
    for answers in responses:
        for result in out:
            value = answers.get(str(result.question.id))
            if value is None:
                continue
            result.answered += 1
            kind = QuestionKind(result.question.kind)
            if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                for index in value:
                    if index < len(result.option_counts):
                        result.option_counts[index] += 1
            elif kind is QuestionKind.TEXT:
                result.texts.append(value)
            else:
                result.rating_counts[value - 1] += 1
    for result in out:
        if QuestionKind(result.question.kind) is QuestionKind.RATING and result.answered:
            total = sum((i + 1) * c for i, c in enumerate(result.rating_counts))
            result.rating_average = round(total / result.answered, 2)
    return survey, len(responses), out


def _cell(question: SurveyQuestion, value: Any) -> str:
    if value is None:
        return ""
    kind = QuestionKind(question.kind)
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "; ".join(question.options[i] for i in value if i < len(question.options))
    text = str(value)
    # Cells starting with these would run as formulas in spreadsheets.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def _answer_sets(survey: Survey) -> list[dict[str, Any]]:
    if survey.anonymous:  # in random id order: no order of arrival to match against anything
        return await column(AnonymousSurveyResponse.filter(survey_id=survey.id).order_by("id"), "answers")
    return await column(SurveyResponse.filter(survey_id=survey.id).order_by("id"), "answers")


async def export_csv(actor: User | None, survey_id: int) -> str:
    """Every response as CSV (staff only): respondent, submitted at, one column per question.
    Anonymous surveys have only the answer columns, rows in random order."""
    require_role(actor, Role.MODERATOR)
    survey = await _get(survey_id)
    questions = list(await SurveyQuestion.filter(survey_id=survey_id).order_by("position"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = [f"Q{q.position}: {q.prompt}" for q in questions]
    if survey.anonymous:
        writer.writerow(header)
        for answers in await _answer_sets(survey):
            writer.writerow([_cell(q, answers.get(str(q.id))) for q in questions])
        return buffer.getvalue()
    responses = await SurveyResponse.filter(survey_id=survey_id).order_by("id").select_related("respondent")
    writer.writerow(["respondent", "updated_at", *header])
    for response in responses:
        writer.writerow(
            [
                response.respondent.username,
                response.updated_at.isoformat(),
                *[_cell(q, response.answers.get(str(q.id))) for q in questions],
            ]
        )
    return buffer.getvalue()


async def respondent_ids(survey_id: int | None) -> list[int]:
    """Ids of the members who answered a survey (for lotteries among respondents)."""
    named = await column(SurveyResponse.filter(survey_id=survey_id), "respondent_id")
    anonymous = await column(SurveyParticipant.filter(survey_id=survey_id), "user_id")
    return sorted({*named, *anonymous})


async def has_responded(user_id: int, survey_id: int) -> bool:
    return (
        await SurveyResponse.filter(survey_id=survey_id, respondent_id=user_id).exists()
        or await SurveyParticipant.filter(survey_id=survey_id, user_id=user_id).exists()
    )
