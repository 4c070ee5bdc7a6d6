"""Casting, changing and retracting ballots. One ballot per member and proposal: a unique
constraint plus a transaction; a concurrent double submit loses the insert race, retries, and
becomes a change of the ballot that won."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.exceptions import IntegrityError, TransactionManagementError

from api import text
from api.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid, NotFound
from api.models.accounts import CommitteeMembership, User
from api.models.governance import (
    AuditAction,
    Ballot,
    Electorate,
    EligibleVoter,
    Proposal,
    ProposalStatus,
    VoteAuditEntry,
    VotingMethod,
)
from api.policies import require_can_act
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

from . import proposals as proposals_domain
from . import receipts
from .tally import ABSTAIN, NO, YES

T = TypeVar("T")

_ATTEMPTS = 5


class VotingClosed(DomainError):
    code = ErrorCode.CLOSED


def normalise_choices(proposal: Proposal, choices: list[str]) -> list[str]:
    """The ballot as stored, or `Invalid` (field `choices`) when it does not fit the method."""
    method = VotingMethod(proposal.method)
    choices = [text.one_line(c) for c in choices]  # as the options were stored
    if method is VotingMethod.YES_NO_ABSTAIN:
        if len(choices) != 1 or choices[0].upper() not in (YES, NO, ABSTAIN):
            raise Invalid("Choose one of YES, NO or ABSTAIN.", field="choice")
        return [choices[0].upper()]
    options = list(proposal.options)
    unknown = [c for c in choices if c not in options]
    if unknown:
        raise Invalid(f"Not an option of this proposal: {unknown[0][:100]!r}.", field="choices")
    if len(set(choices)) != len(choices):
        raise Invalid("Name each option at most once.", field="choices")
    if method is VotingMethod.SINGLE_CHOICE and len(choices) > 1:
        raise Invalid("Choose one option (or none to abstain).", field="choice")
    if method is not VotingMethod.RANKED_CHOICE:
        choices = [o for o in options if o in choices]  # stored in option order
    return choices


async def _check_can_vote(proposal: Proposal, voter: User) -> None:
    status = ProposalStatus(proposal.status)
    if status is ProposalStatus.DRAFT:
        raise VotingClosed("Voting has not opened on this draft.", field="proposalId")
    if status is not ProposalStatus.OPEN or (proposal.closes_at and proposal.closes_at <= now()):
        raise VotingClosed("Voting on this proposal has closed.", field="proposalId")
    if await EligibleVoter.filter(proposal_id=proposal.id, user_id=voter.id).exists():
        return
    if Electorate(proposal.electorate) is not Electorate.COMMITTEE:
        raise Forbidden("Only the members eligible when voting opened may vote.", field="proposalId")
    member_since = await CommitteeMembership.filter(
        committee_id=proposal.committee_id, user_id=voter.id, left_at__isnull=True
    ).first()
    if member_since is not None:
        raise Forbidden(
            "You joined the committee after voting opened; only its members at that moment may vote.",
            field="proposalId",
        )
    raise Forbidden("Only members of the committee when voting opened may vote.", field="proposalId")


async def _in_vote_transaction(
    actor: User | None, proposal_id: int, work: Callable[[Proposal, User], Awaitable[T]], *, settings: Settings
) -> tuple[Proposal, T]:
    """Run `work(proposal, voter)` in a transaction holding the voting lock; retry lost insert races."""
    voter = await require_can_act(actor)
    visible = await proposals_domain.get_visible(voter, proposal_id)
    for attempt in range(_ATTEMPTS):
        try:
            async with transaction():
                await proposals_domain.lock_for_voting(proposal_id)
                proposal = await Proposal.get(id=proposal_id)
                await _check_can_vote(proposal, voter)
                result = await work(proposal, voter)
            break
        except (IntegrityError, TransactionManagementError):
            if attempt == _ATTEMPTS - 1:
                raise Conflict("Your ballot changed at the same moment; try again.", field="proposalId") from None
        except VotingClosed:
            if ProposalStatus(visible.status) is ProposalStatus.OPEN:
                # Due but not closed yet (scheduler down): close it now, on this read.
                from .closing import close_if_due

                await close_if_due(proposal_id, settings=settings)
            raise
    await proposals_domain.notify_update(proposal)
    return proposal, result


async def cast_vote(actor: User | None, proposal_id: int, choices: list[str], *, settings: Settings) -> Ballot:
    """Cast or replace the member's ballot. Returns the ballot; its `receipt` is the voter's."""

    async def work(proposal: Proposal, voter: User) -> Ballot:
        stored = normalise_choices(proposal, choices)
        receipt = receipts.receipt_for(settings.signing_key, proposal.id, stored, receipts.new_salt())
        ballot = await Ballot.filter(proposal_id=proposal.id, voter_id=voter.id).select_for_update().first()
        if ballot is None:
            ballot = await Ballot.create(proposal_id=proposal.id, voter_id=voter.id, choices=stored, receipt=receipt)
            action = AuditAction.CAST
        else:
            ballot.choices, ballot.receipt = stored, receipt
            await ballot.save(update_fields=["choices", "receipt", "updated_at"])
            action = AuditAction.CHANGE
        await VoteAuditEntry.create(
            proposal_id=proposal.id,
            voter_id=voter.id,
            action=action,
            choices=None if proposal.secret else stored,
        )
        return ballot

    _, ballot = await _in_vote_transaction(actor, proposal_id, work, settings=settings)
    return ballot


async def retract_vote(actor: User | None, proposal_id: int, *, settings: Settings) -> Proposal:
    """Withdraw the member's ballot while voting is open."""

    async def work(proposal: Proposal, voter: User) -> None:
        deleted = await Ballot.filter(proposal_id=proposal.id, voter_id=voter.id).delete()
        if not deleted:
            raise NotFound("You have no ballot on this proposal.", field="proposalId")
        await VoteAuditEntry.create(proposal_id=proposal.id, voter_id=voter.id, action=AuditAction.RETRACT)

    proposal, _ = await _in_vote_transaction(actor, proposal_id, work, settings=settings)
    return proposal


async def verify_receipt(viewer: User | None, proposal_id: int, receipt: str) -> list[str] | None:
    """The choices published with `receipt` once the proposal closed, or None if not listed."""
    proposal = await proposals_domain.get_visible(viewer, proposal_id)
    if proposal.status != ProposalStatus.CLOSED:
        raise VotingClosed("The ballot list is published when voting closes.", field="proposalId")
    if not receipts.is_well_formed(receipt):
        raise Invalid("A receipt is 64 hexadecimal characters.", field="receipt")
    ballot = await Ballot.filter(proposal_id=proposal.id, receipt=receipts.normalise(receipt)).first()
    return None if ballot is None else list(ballot.choices)
