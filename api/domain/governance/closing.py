"""Closing proposals exactly once, at `closesAt` or early, and publishing the outcome once.

Several app processes may run the scheduler (and readers close overdue proposals too). The
one `UPDATE ... SET status='CLOSED' WHERE id=? AND status='OPEN'` that changes a row decides
the closer; only it tallies, in the same transaction. Publishing is claimed the same way
(`announced_at IS NULL`), in one transaction with the announcement, so a failed publication
is retried by the next scheduler run and a successful one never repeats.
"""

from __future__ import annotations

import logging

from api.db import column
from api.errors import Conflict
from api.models.accounts import User
from api.models.governance import Ballot, Poll, PollStatus, Proposal, ProposalStatus, Survey
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

from . import committees
from . import proposals as proposals_domain
from .deliberation import audience_of
from .tally import TallyResult, tally

log = logging.getLogger(__name__)


async def close_proposal(proposal_id: int, *, only_if_due: bool = True, settings: Settings) -> bool:
    """Close and tally; True only for the caller that closed it."""
    moment = now()
    async with transaction():
        await proposals_domain.lock_for_closing(proposal_id)
        query = Proposal.filter(id=proposal_id, status=ProposalStatus.OPEN)
        if only_if_due:
            query = query.filter(closes_at__lte=moment)
        if not await query.update(status=ProposalStatus.CLOSED, closed_at=moment):
            return False
        proposal = await Proposal.get(id=proposal_id)
        ballots = await column(Ballot.filter(proposal_id=proposal_id), "choices")
        result = tally(proposals_domain.rules_of(proposal), [list(b) for b in ballots], proposal.eligible_count)
        await Proposal.filter(id=proposal_id).update(outcome=result.outcome, result=result.to_dict())
    try:
        await announce(proposal_id, settings=settings)
    except Exception:  # the outcome is stored; the scheduler retries publishing
        log.exception("announcing the outcome of proposal %s failed", proposal_id)
    await proposals_domain.notify_update(await Proposal.get(id=proposal_id))
    return True


async def close_if_due(proposal_id: int, *, settings: Settings) -> bool:
    return await close_proposal(proposal_id, only_if_due=True, settings=settings)


async def close_early(actor: User | None, proposal_id: int, *, settings: Settings) -> Proposal:
    """A chair (or an admin) closes voting before `closesAt`; the tally is made at once. A secret
    ballot closes early only once every eligible member voted: a tally taken after one chosen
    ballot would single that ballot out (withdraw the proposal instead)."""
    proposal = await proposals_domain.get_visible(actor, proposal_id)
    await committees.require_chair_or_admin(actor, proposal.committee_id)
    if proposal.status != ProposalStatus.OPEN:
        raise Conflict("Only open proposals can be closed.", field="proposalId")
    if proposal.secret and await Ballot.filter(proposal_id=proposal.id).count() < proposal.eligible_count:
        raise Conflict(
            "A secret ballot closes before its deadline only once every eligible member voted; withdraw it instead.",
            field="proposalId",
        )
    if not await close_proposal(proposal_id, only_if_due=False, settings=settings):
        raise Conflict("This proposal was closed or withdrawn meanwhile.", field="proposalId")
    return await Proposal.get(id=proposal_id)


def _announcement_text(proposal: Proposal, result: TallyResult) -> tuple[str, str]:
    verdict = {"PASSED": "passed", "REJECTED": "was rejected", "NO_QUORUM": "failed to reach quorum"}
    title = f"Proposal {verdict[result.outcome.value]}: {proposal.title}"[:200]
    lines = [
        f"Voting on **{proposal.title}** closed.",
        "",
        f"- Outcome: {result.outcome.value.replace('_', ' ').lower()}",
        f"- Ballots: {result.ballots} of {result.eligible} eligible ({result.abstentions} abstentions)",
    ]
    if result.winner and result.method != "YES_NO_ABSTAIN":
        lines.append(f"- Leading option: {result.winner}")
    if result.tied:
        lines.append(f"- Tied: {', '.join(result.tied)}")
    lines.append("- Counts: " + ", ".join(f"{k}: {v}" for k, v in result.counts.items()))
    return title, "\n".join(lines)


async def announce(proposal_id: int, *, settings: Settings) -> bool:
    """Publish the stored outcome as an announcement, once."""
    from api.domain.moderation.announcements import publish_announcement

    async with transaction():
        claimed = await Proposal.filter(id=proposal_id, status=ProposalStatus.CLOSED, announced_at__isnull=True).update(
            announced_at=now()
        )
        if not claimed:
            return False
        proposal = await Proposal.get(id=proposal_id).select_related("committee")
        title, body = _announcement_text(proposal, TallyResult.from_dict(proposal.result))
        announcement = await publish_announcement(
            author_id=None,
            title=title,
            body=body,
            audience=audience_of(proposal),
            committee_id=proposal.committee_id,
            settings=settings,
        )
        announcement_id = getattr(announcement, "id", None)
        if announcement_id is not None:
            await Proposal.filter(id=proposal_id).update(announcement_id=announcement_id)
    return True


async def settle(rows: list[Proposal], *, settings: Settings) -> None:
    """Close the overdue proposals among `rows` (on read, if the scheduler was down) and
    refresh those instances."""
    moment = now()
    for proposal in rows:
        if proposal.status == ProposalStatus.OPEN and proposal.closes_at and proposal.closes_at <= moment:
            await close_if_due(proposal.id, settings=settings)
            fresh = await Proposal.get(id=proposal.id)
            for name in ("status", "closed_at", "outcome", "result", "announced_at", "announcement_id"):
                setattr(proposal, name, getattr(fresh, name))


async def close_due(settings: Settings) -> bool:
    """Close what is due: proposals (tally + announcement), polls and surveys. True when
    anything changed."""
    moment = now()
    changed = False
    due = await column(Proposal.filter(status=ProposalStatus.OPEN, closes_at__lte=moment), "id")
    for proposal_id in due:
        try:
            changed = await close_if_due(proposal_id, settings=settings) or changed
        except Exception:  # one failing proposal must not keep the others open
            log.exception("closing proposal %s failed", proposal_id)
    unannounced = await column(Proposal.filter(status=ProposalStatus.CLOSED, announced_at__isnull=True), "id")
    for proposal_id in unannounced:
        try:
            changed = await announce(proposal_id, settings=settings) or changed
        except Exception:  # retried at the next run
            log.exception("announcing the outcome of proposal %s failed", proposal_id)
    for model in (Poll, Survey):
        closed = await model.filter(status=PollStatus.OPEN, closes_at__lte=moment).update(
            status=PollStatus.CLOSED, closed_at=moment
        )
        changed = changed or bool(closed)
    return changed
