"""Casting, changing and retracting ballots. One ballot per member and proposal: a unique
constraint plus a transaction holding the proposal's voting lock (shared; closing takes it
exclusively, so it waits for the ballots in flight and those after it see it closed).

A ballot by an eligible member on an open proposal (the busy case: hundreds at once when a vote
closes) costs one read, the proposal with the voter's eligibility (taking the lock on
PostgreSQL), then one write: on PostgreSQL a single statement upserting the ballot on the unique
constraint (a concurrent double submit becomes a change of the ballot that won) and appending its
audit entry, only if the proposal is still open under the lock. Anything else (refusals, a close
in between, SQLite's insert race) takes the full path: read, lock, re-read, check, write, and a
retry that turns a lost insert race into a change."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError, TransactionManagementError

from api import text
from api.db import fetch_all, is_postgres
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
from api.policies import is_shown, require_can_act
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
    actor: User | None,
    proposal_id: int,
    work: Callable[[Proposal, User], Awaitable[T]],
    *,
    settings: Settings,
    memo: dict[Any, Any] | None = None,
) -> tuple[Proposal, T]:
    """Run `work(proposal, voter)` in a transaction holding the voting lock; retry lost insert races."""
    voter = await require_can_act(actor, memo)
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


class _NotTheBusyPath(Exception):
    """The ballot is not the common case (not eligible, not open, hidden...): the full path
    decides it, with its refusals."""


# One read for a ballot: the proposal and whether the voter is on its frozen electorate. On
# PostgreSQL the same statement takes the voting lock (shared; `proposals.lock_for_voting`), so
# closing waits for this transaction; the row it returns was read before the lock was granted,
# so the write below checks the status again in a statement of its own (a snapshot taken under
# the lock).
_READ = (
    "SELECT p.*, EXISTS (SELECT 1 FROM governance_eligible_voters e WHERE e.proposal_id = p.id AND e.user_id = ?)"
    " AS voter_is_eligible FROM governance_proposals p WHERE p.id = ?"
)
_READ_LOCKED = (
    "SELECT p.*, EXISTS (SELECT 1 FROM governance_eligible_voters e WHERE e.proposal_id = p.id AND e.user_id = ?)"
    " AS voter_is_eligible FROM (SELECT pg_advisory_xact_lock_shared(?, ?)) AS voting_lock, governance_proposals p"
    " WHERE p.id = ?"
)

# PostgreSQL: the ballot (inserted, or replacing the voter's: the unique constraint decides,
# so a double submit becomes a change) and its audit entry in one statement, only while the
# proposal is open and before its deadline. `xmax = 0` tells a fresh row from an updated one.
_CAST = """
WITH open_proposal AS (
    SELECT id FROM governance_proposals WHERE id = ? AND status = 'OPEN' AND (closes_at IS NULL OR closes_at > ?)
), ballot AS (
    INSERT INTO governance_ballots (proposal_id, voter_id, choices, receipt, cast_at, updated_at)
    SELECT id, ?, CAST(? AS jsonb), ?, ?, ? FROM open_proposal
    ON CONFLICT (proposal_id, voter_id) DO UPDATE
        SET choices = EXCLUDED.choices, receipt = EXCLUDED.receipt, updated_at = EXCLUDED.updated_at
    RETURNING *, (xmax = 0) AS voter_cast
), audit AS (
    INSERT INTO governance_vote_audit (proposal_id, voter_id, action, choices, at)
    SELECT proposal_id, voter_id, CASE WHEN voter_cast THEN 'CAST' ELSE 'CHANGE' END, CAST(? AS jsonb), ?
    FROM ballot
)
SELECT * FROM ballot"""


def _open_for(proposal: Proposal, voter: User, eligible: bool, moment: datetime) -> bool:
    """What the full path would accept without a refusal: open, before its deadline, shown to
    the voter (not hidden, not deleted) and the voter on its electorate (who may then see it)."""
    return (
        eligible
        and is_shown(voter, proposal)
        and proposal.status == ProposalStatus.OPEN
        and not (proposal.closes_at and proposal.closes_at <= moment)
    )


async def _write_ballot(
    proposal: Proposal, voter: User, stored: list[str], receipt: str, audit_choices: list[str] | None
) -> Ballot:
    """The voter's ballot (new, or replacing theirs) and its audit entry, through the ORM."""
    ballot = await Ballot.filter(proposal_id=proposal.id, voter_id=voter.id).select_for_update().first()
    if ballot is None:
        ballot = await Ballot.create(proposal_id=proposal.id, voter_id=voter.id, choices=stored, receipt=receipt)
        action = AuditAction.CAST
    else:
        ballot.choices, ballot.receipt = stored, receipt
        await ballot.save(update_fields=["choices", "receipt", "updated_at"])
        action = AuditAction.CHANGE
    await VoteAuditEntry.create(proposal_id=proposal.id, voter_id=voter.id, action=action, choices=audit_choices)
    return ballot


async def _cast_busy_path(
    voter: User, proposal_id: int, choices: list[str], settings: Settings
) -> tuple[Proposal, Ballot]:
    """An eligible member's ballot on an open proposal in a fixed number of statements: the read
    (with the lock) then the write; `_NotTheBusyPath` for anything else."""
    postgres = is_postgres()
    async with transaction():
        if postgres:
            rows = await fetch_all(
                _READ_LOCKED, [voter.id, proposals_domain.VOTING_LOCK_CLASS, proposal_id, proposal_id]
            )
        else:  # SQLite transactions are serialised: what this reads holds until the commit
            rows = await fetch_all(_READ, [voter.id, proposal_id])
        if not rows:
            raise _NotTheBusyPath
        row = rows[0]
        eligible = bool(row.pop("voter_is_eligible"))
        proposal = Proposal._init_from_db(**row)
        moment = now()
        if not _open_for(proposal, voter, eligible, moment):
            raise _NotTheBusyPath
        stored = normalise_choices(proposal, choices)
        receipt = receipts.receipt_for(settings.signing_key, proposal.id, stored, receipts.new_salt())
        audit_choices = None if proposal.secret else stored
        if not postgres:
            return proposal, await _write_ballot(proposal, voter, stored, receipt, audit_choices)
        audit_json = None if audit_choices is None else json.dumps(audit_choices)
        written = await fetch_all(
            _CAST, [proposal.id, moment, voter.id, json.dumps(stored), receipt, moment, moment, audit_json, moment]
        )
        if not written:  # closed (or due) since the read, which preceded the lock: the full path refuses it
            raise _NotTheBusyPath
        values = written[0]
        del values["voter_cast"]
        return proposal, Ballot._init_from_db(**values)


async def cast_ballot(
    actor: User | None,
    proposal_id: int,
    choices: list[str],
    *,
    settings: Settings,
    memo: dict[Any, Any] | None = None,
) -> tuple[Proposal, Ballot]:
    """Cast or replace the member's ballot: (the proposal, the ballot); its `receipt` is the
    voter's. `memo`: the operation's (restrictions already read are not read again)."""
    memo = {} if memo is None else memo
    voter = await require_can_act(actor, memo)
    try:
        proposal, ballot = await _cast_busy_path(voter, proposal_id, choices, settings)
    except (_NotTheBusyPath, IntegrityError, TransactionManagementError):
        pass  # the full path below: its checks, refusals and retries
    else:
        await proposals_domain.notify_update(proposal)
        return proposal, ballot

    async def work(proposal: Proposal, voter: User) -> Ballot:
        stored = normalise_choices(proposal, choices)
        receipt = receipts.receipt_for(settings.signing_key, proposal.id, stored, receipts.new_salt())
        return await _write_ballot(proposal, voter, stored, receipt, None if proposal.secret else stored)

    return await _in_vote_transaction(actor, proposal_id, work, settings=settings, memo=memo)


async def cast_vote(actor: User | None, proposal_id: int, choices: list[str], *, settings: Settings) -> Ballot:
    """Cast or replace the member's ballot. Returns the ballot; its `receipt` is the voter's."""
    _, ballot = await cast_ballot(actor, proposal_id, choices, settings=settings)
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
