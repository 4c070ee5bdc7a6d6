"""Polls: a question with options, standalone or attached to a forum topic. One vote per member
(unique constraint plus transaction, as for ballots)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError, TransactionManagementError

from api import text
from api.db import fetch_all, is_postgres
from api.domain.content import gate
from api.domain.content.events import Submission
from api.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid, NotFound, collect
from api.models.accounts import User
from api.models.governance import Poll, PollResults, PollStatus, PollVote
from api.policies import is_staff, require_can_act
from api.policy import can_view
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

from .proposals import option_problem, title_limit

_ATTEMPTS = 5


class PollClosed(DomainError):
    code = ErrorCode.CLOSED


@dataclass(frozen=True)
class PollInput:
    question: str
    options: list[str]
    multiple: bool = False
    max_choices: int | None = None
    closes_at: datetime | None = None
    anonymous: bool = False
    results: PollResults = PollResults.ALWAYS
    allow_change: bool = True
    topic_id: int | None = None


def is_closed(poll: Poll, at: datetime | None = None) -> bool:
    return poll.status == PollStatus.CLOSED or (poll.closes_at is not None and poll.closes_at <= (at or now()))


def results_visible(poll: Poll) -> bool:
    return poll.results == PollResults.ALWAYS or is_closed(poll)


async def create_poll(actor: User | None, data: PollInput, *, settings: Settings) -> Poll:
    member = await require_can_act(actor)
    errors: list[DomainError] = []
    question = text.line(data.question, "question", title_limit(settings), what="a question", errors=errors)
    options = [text.one_line(o) for o in data.options]
    if problem := option_problem(options, settings):
        errors.append(Invalid(problem, field="options"))
    max_choices = 1
    if data.multiple:
        max_choices = data.max_choices if data.max_choices is not None else len(options)
        if not 1 <= max_choices <= max(len(options), 1):
            errors.append(Invalid("Allow between 1 and the number of options.", field="maxChoices"))
    elif data.max_choices not in (None, 1):
        errors.append(Invalid("A single-choice poll allows one choice.", field="maxChoices"))
    moment = now()
    if data.closes_at is not None and not (
        moment < data.closes_at <= moment + timedelta(days=settings.governance_max_voting_days)
    ):
        errors.append(
            Invalid(f"Choose a time in the next {settings.governance_max_voting_days} days.", field="closesAt")
        )
    collect(errors)
    space_id = None
    if data.topic_id is not None:
        from api.models.forum import Topic

        topic = await Topic.filter(id=data.topic_id).first()
        if topic is None or not await can_view(member, topic):
            raise NotFound("No such topic.", field="topicId")
        if topic.author_id != member.id and not is_staff(member):
            raise Forbidden("Only the topic's author and moderators may add a poll to it.", field="topicId")
        space_id = topic.space_id
    texts = {"question": question, **{f"options.{i}": o for i, o in enumerate(options)}}
    verdict = await gate.check(Submission(author=member, content_type="Poll", texts=texts, space_id=space_id), settings)
    async with transaction():
        poll = await Poll.create(
            author_id=member.id,
            topic_id=data.topic_id,
            question=verdict.text("question", question),
            options=[verdict.text(f"options.{i}", o) for i, o in enumerate(options)],
            multiple=data.multiple,
            max_choices=max_choices,
            anonymous=data.anonymous,
            results=data.results,
            allow_change=data.allow_change,
            closes_at=data.closes_at,
        )
        await gate.announce(verdict, "Poll", poll.id, member.id)
    return poll


async def _get(poll_id: int) -> Poll:
    poll = await Poll.filter(id=poll_id).first()
    if poll is None:
        raise NotFound("No such poll.", field="pollId")
    return poll


async def get_visible(viewer: User | None, poll_id: int) -> Poll:
    poll = await _get(poll_id)
    if not await can_view(viewer, poll):
        raise NotFound("No such poll.", field="pollId")
    return poll


def _check_choices(poll: Poll, choices: list[int]) -> list[int]:
    if not choices:
        raise Invalid("Choose at least one option.", field="choices")
    if len(set(choices)) != len(choices) or any(not 0 <= c < len(poll.options) for c in choices):
        raise Invalid("Choose listed options, each once.", field="choices")
    if len(choices) > poll.max_choices:
        raise Invalid(f"Choose at most {poll.max_choices} option(s).", field="choices")
    return sorted(choices)


async def _lock(poll_id: int) -> Poll:
    if is_postgres():
        await fetch_all("SELECT id FROM governance_polls WHERE id = ? FOR SHARE", [poll_id])
    poll = await _get(poll_id)
    if is_closed(poll):
        raise PollClosed("This poll has closed.", field="pollId")
    return poll


async def vote(actor: User | None, poll_id: int, choices: list[int]) -> PollVote:
    """Vote (option indexes), or change the vote when the poll allows it."""
    member = await require_can_act(actor)
    await get_visible(member, poll_id)
    for attempt in range(_ATTEMPTS):
        try:
            async with transaction():
                poll = await _lock(poll_id)
                picked = _check_choices(poll, choices)
                existing = await PollVote.filter(poll_id=poll_id, voter_id=member.id).select_for_update().first()
                if existing is None:
                    return await PollVote.create(poll_id=poll_id, voter_id=member.id, choices=picked)
                if not poll.allow_change:
                    raise Conflict("You have voted and this poll does not allow changes.", field="pollId")
                existing.choices = picked
                await existing.save(update_fields=["choices", "updated_at"])
                return existing
        except (IntegrityError, TransactionManagementError):
            if attempt == _ATTEMPTS - 1:
                raise Conflict("Your vote changed at the same moment; try again.", field="pollId") from None
    raise AssertionError("unreachable")


async def retract(actor: User | None, poll_id: int) -> Poll:
    member = await require_can_act(actor)
    await get_visible(member, poll_id)
    async with transaction():
        poll = await _lock(poll_id)
        if not poll.allow_change:
            raise Conflict("This poll does not allow changing votes.", field="pollId")
        if not await PollVote.filter(poll_id=poll_id, voter_id=member.id).delete():
            raise NotFound("You have not voted in this poll.", field="pollId")
    return poll


async def close(actor: User | None, poll_id: int) -> Poll:
    """The author or staff close a poll early."""
    member = await require_can_act(actor)
    poll = await get_visible(member, poll_id)
    if poll.author_id != member.id and not is_staff(member):
        raise Forbidden("Only the poll's author and moderators may close it.")
    if not await Poll.filter(id=poll_id, status=PollStatus.OPEN).update(status=PollStatus.CLOSED, closed_at=now()):
        raise Conflict("This poll is closed already.", field="pollId")
    return await _get(poll_id)


async def counts(poll_ids: list[int]) -> dict[int, dict[int, int]]:
    """Votes per option index of each poll, in one query."""
    totals: dict[int, dict[int, int]] = {pid: {} for pid in poll_ids}
    for poll_id, choices in await PollVote.filter(poll_id__in=poll_ids).values_list("poll_id", "choices"):
        for index in choices:
            totals[poll_id][index] = totals[poll_id].get(index, 0) + 1
    return totals


async def delete(actor: User | None, poll_id: int) -> Poll:
    """The author or staff delete a poll: it disappears for everyone (soft delete, votes kept)."""
    member = await require_can_act(actor)
    poll = await get_visible(member, poll_id)
    if poll.author_id != member.id and not is_staff(member):
        raise Forbidden("Only the poll's author and moderators may delete it.")
    if not await Poll.filter(id=poll_id, deleted_at__isnull=True).update(deleted_at=now()):
        raise NotFound("No such poll.", field="pollId")
    return await _get(poll_id)
