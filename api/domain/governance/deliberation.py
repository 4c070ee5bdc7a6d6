"""Deliberation and outcomes of proposals: a discussion thread in the forum (its posts follow the
forum's rules and the content gate like any topic), revisions of a draft's text, the chair's outcome
statement published with the tally after close, and a reminder to eligible members who have not
voted, some hours before voting closes."""

from __future__ import annotations

from api import text
from api.db import column
from api.domain.content import gate
from api.domain.content.events import Submission
from api.domain.notifications import notify
from api.errors import Conflict
from api.markdown import render_async
from api.models.accounts import User, Visibility
from api.models.governance import (
    Ballot,
    Electorate,
    EligibleVoter,
    Proposal,
    ProposalRevision,
    ProposalStatus,
)
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

from . import committees
from . import proposals as proposals_domain
from .tally import TallyResult

REMINDER_BATCH = 100


def audience_of(proposal: Proposal) -> str:
    """Who hears of the outcome: everyone when the committee is public or everyone could vote."""
    public = proposal.committee.visibility == Visibility.PUBLIC
    return "ALL" if public or Electorate(proposal.electorate) is not Electorate.COMMITTEE else "COMMITTEE"


async def record_revision(proposal: Proposal, editor_id: int) -> None:
    """Keep the draft's current text before it changes (inside the change's transaction)."""
    number = await ProposalRevision.filter(proposal_id=proposal.id).count() + 1
    await ProposalRevision.create(
        proposal_id=proposal.id,
        number=number,
        title=proposal.title,
        body=proposal.body,
        options=list(proposal.options),
        edited_by_id=editor_id,
    )


async def start_discussion(actor: User | None, proposal_id: int, space_id: int, *, settings: Settings) -> Proposal:
    """The author or a chair opens the proposal's discussion thread: a forum topic in a space
    they may post in, created through the forum (its rules and the content gate apply)."""
    from api.domain.forum.topics import TopicInput, create_topic

    member = await proposals_domain.require_author_or_chair(actor, proposal_id)
    proposal = await proposals_domain.get_visible(member, proposal_id)
    if proposal.discussion_topic_id is not None:
        raise Conflict("This proposal already has a discussion.", field="proposalId")
    topic = await create_topic(
        member,
        TopicInput(
            space_id=space_id,
            title=f"Discussion: {proposal.title}"[:200],
            body=f"Discuss the proposal **{proposal.title}** here.",
            tags=[],
        ),
        settings=settings,
    )
    if not await Proposal.filter(id=proposal.id, discussion_topic_id__isnull=True).update(discussion_topic_id=topic.id):
        raise Conflict("This proposal already has a discussion.", field="proposalId")
    return await Proposal.get(id=proposal.id)


def _tally_lines(result: TallyResult) -> list[str]:
    lines = [
        f"- Outcome: {result.outcome.value.replace('_', ' ').lower()}",
        f"- Ballots: {result.ballots} of {result.eligible} eligible ({result.abstentions} abstentions)",
    ]
    if result.winner and result.method != "YES_NO_ABSTAIN":
        lines.append(f"- Leading option: {result.winner}")
    lines.append("- Counts: " + ", ".join(f"{k}: {v}" for k, v in result.counts.items()))
    return lines


async def publish_outcome(actor: User | None, proposal_id: int, statement: str, *, settings: Settings) -> Proposal:
    """After close, a chair (or an admin) publishes the outcome statement, once; it is announced
    with the tally to those who heard of the vote."""
    from api.domain.moderation.announcements import publish_announcement

    proposal = await proposals_domain.get_visible(actor, proposal_id)
    member = await committees.require_chair_or_admin(actor, proposal.committee_id)
    if proposal.status != ProposalStatus.CLOSED or proposal.result is None:
        raise Conflict("The outcome is published once voting has closed.", field="proposalId")
    statement = text.block(statement, "statement", settings.max_body_length, required=True)
    verdict = await gate.check(
        Submission(author=member, content_type="Proposal", texts={"statement": statement}, **gate.measure(statement)),
        settings,
    )
    statement = verdict.text("statement", statement)
    html = await render_async(statement)
    async with transaction():
        if not await Proposal.filter(id=proposal.id, outcome_published_at__isnull=True).update(
            outcome_published_at=now(), outcome_statement=statement, outcome_statement_html=html
        ):
            raise Conflict("The outcome statement is already published.", field="proposalId")
        body = "\n".join([statement, "", "**The tally**", "", *_tally_lines(TallyResult.from_dict(proposal.result))])
        announcement = await publish_announcement(
            author_id=member.id,
            title=f"Outcome: {proposal.title}"[:200],
            body=body,
            audience=audience_of(proposal),
            committee_id=proposal.committee_id,
            settings=settings,
        )
        await Proposal.filter(id=proposal.id).update(outcome_announcement_id=getattr(announcement, "id", None))
        await gate.announce(verdict, "Proposal", proposal.id, member.id)
    fresh = await Proposal.get(id=proposal.id)
    await proposals_domain.notify_update(fresh)
    return fresh


async def remind_voters(settings: Settings) -> bool:
    """Job: GOVERNANCE_VOTE_REMINDER_HOURS before voting closes, tell the eligible members who
    have not voted. Each proposal's reminder is claimed by a conditional update in the transaction
    that stores the notifications: sent once, whatever the number of processes."""
    from datetime import timedelta

    hours = settings.governance_vote_reminder_hours
    if hours <= 0:
        return False
    moment = now()
    due = await Proposal.filter(
        status=ProposalStatus.OPEN,
        reminded_at__isnull=True,
        closes_at__gt=moment,
        closes_at__lte=moment + timedelta(hours=hours),
    ).limit(REMINDER_BATCH)
    sent = False
    for proposal in due:
        async with transaction():
            if not await Proposal.filter(id=proposal.id, reminded_at__isnull=True).update(reminded_at=moment):
                continue  # another process claimed it
            eligible = set(await column(EligibleVoter.filter(proposal_id=proposal.id), "user_id"))
            voted = set(await column(Ballot.filter(proposal_id=proposal.id), "voter_id"))
            closes = proposal.closes_at.isoformat() if proposal.closes_at else "its deadline"
            for user_id in sorted(eligible - voted):
                await notify(
                    user_id,
                    "governance.vote_reminder",
                    subject_type="Proposal",
                    subject_id=proposal.id,
                    message=f"Voting on “{proposal.title}” closes at {closes}."[:200],
                )
            sent = True
    return sent
