"""Proposals: drafting, opening (rules and eligible voters frozen), withdrawing; who sees what."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from api import text
from api.db import column, is_postgres
from api.domain.content import gate
from api.domain.content.events import ContentRemoved, Submission
from api.domain.notifications import notify_many
from api.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid, NotFound, collect
from api.events import decide, emit
from api.markdown import render_async
from api.models.accounts import Committee, CommitteeMembership, Role, User, UserStatus
from api.models.governance import (
    AbstentionRule,
    Electorate,
    EligibleVoter,
    Proposal,
    ProposalStatus,
    Threshold,
    VotingMethod,
)
from api.policies import barred_ids, is_admin, require_can_act
from api.policy import can_view
from api.pubsub import publish
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

from . import committees
from .questions import TierHolders
from .tally import Rules

log = logging.getLogger(__name__)


def channel_for(committee_id: int) -> str:
    return f"governance.committee.{committee_id}"


async def notify_update(proposal: Proposal) -> None:
    """Tell `proposalUpdated` subscribers; they re-read and re-check visibility."""
    await publish(channel_for(proposal.committee_id), {"id": proposal.id})


def rules_of(proposal: Proposal) -> Rules:
    return Rules(
        method=VotingMethod(proposal.method),
        options=tuple(proposal.options),
        quorum_percent=proposal.quorum_percent,
        threshold=Threshold(proposal.threshold),
        abstentions=AbstentionRule(proposal.abstentions),
    )


@dataclass(frozen=True)
class ProposalInput:
    """Fields of a proposal; None keeps the current value (on update) or the default."""

    title: str | None = None
    body: str | None = None
    method: VotingMethod | None = None
    options: list[str] | None = None
    quorum_percent: int | None = None
    threshold: Threshold | None = None
    abstentions: AbstentionRule | None = None
    secret: bool | None = None
    results_while_open: bool | None = None
    voting_minutes: int | None = None
    electorate: Electorate | None = None
    electorate_roles: list[Role] | None = None
    electorate_min_trust_level: int | None = None
    electorate_min_tier_id: int | None = None


MAX_TRUST_LEVEL = 4


def _apply_electorate(proposal: Proposal, data: ProposalInput, errors: list[DomainError]) -> None:
    if data.electorate is not None:
        proposal.electorate = Electorate(data.electorate)
    if data.electorate_roles is not None:
        proposal.electorate_roles = sorted({Role(r).value for r in data.electorate_roles})
    if data.electorate_min_trust_level is not None:
        proposal.electorate_min_trust_level = data.electorate_min_trust_level
    if data.electorate_min_tier_id is not None:
        proposal.electorate_min_tier_id = data.electorate_min_tier_id
    electorate = Electorate(proposal.electorate)
    if electorate is Electorate.ROLES and not proposal.electorate_roles:
        errors.append(Invalid("Name at least one role that votes.", field="electorateRoles"))
    if electorate is Electorate.TRUST_LEVEL and not (
        proposal.electorate_min_trust_level is not None and 0 <= proposal.electorate_min_trust_level <= MAX_TRUST_LEVEL
    ):
        errors.append(Invalid(f"Choose a trust level from 0 to {MAX_TRUST_LEVEL}.", field="electorateMinTrustLevel"))
    if electorate is Electorate.TIER and proposal.electorate_min_tier_id is None:
        errors.append(Invalid("Choose the lowest tier that votes.", field="electorateMinTierId"))


async def _check_tier(proposal: Proposal, settings: Settings) -> None:
    """A TIER electorate names a tier that exists (growth answers)."""
    tier_id = proposal.electorate_min_tier_id
    if (
        Electorate(proposal.electorate) is Electorate.TIER
        and tier_id is not None
        and await decide(TierHolders(tier_id), settings) is None
    ):
        raise Invalid("No such tier.", field="electorateMinTierId")


async def electorate_ids(proposal: Proposal) -> list[int]:
    """The members who may vote, as of now (snapshotted when voting opens): the electorate less
    banned and inactive members."""
    electorate = Electorate(proposal.electorate)
    if electorate is Electorate.COMMITTEE:
        ids = await column(
            CommitteeMembership.filter(committee_id=proposal.committee_id, left_at__isnull=True), "user_id"
        )
    else:
        members = User.filter(status=UserStatus.ACTIVE)
        if electorate is Electorate.ROLES:
            members = members.filter(role__in=list(proposal.electorate_roles))
        elif electorate is Electorate.TRUST_LEVEL:
            members = members.filter(trust_level__gte=proposal.electorate_min_trust_level or 0)
        elif electorate is Electorate.TIER:
            holders = await decide(TierHolders(proposal.electorate_min_tier_id or 0))
            if holders is None:
                raise Conflict("The electorate's tier no longer exists.", field="proposalId")
            members = members.filter(id__in=holders)
        ids = await column(members, "id")
    unique = set(ids)
    return sorted(unique - await barred_ids(unique))


def _apply(proposal: Proposal, data: ProposalInput, settings: Settings) -> None:
    """Validate `data` over `proposal` and copy it in; raises every field error at once."""
    errors: list[DomainError] = []
    if data.title is not None:
        proposal.title = text.line(data.title, "title", title_limit(settings), what="a title", errors=errors)
    if data.body is not None:
        proposal.body = text.block(data.body, "body", settings.max_body_length, required=False, errors=errors)
    for name in ("method", "threshold", "abstentions", "secret", "results_while_open"):
        value = getattr(data, name)
        if value is not None:
            setattr(proposal, name, value)
    if data.options is not None:
        proposal.options = [text.one_line(o) for o in data.options]
    method = VotingMethod(proposal.method)
    options = list(proposal.options or [])
    if method is VotingMethod.YES_NO_ABSTAIN:
        if options:
            errors.append(Invalid("YES_NO_ABSTAIN proposals take no options.", field="options"))
    elif problem := option_problem(options, settings):
        errors.append(Invalid(problem, field="options"))
    if proposal.secret and proposal.results_while_open:
        # A live count beside the public list of who voted would show how each newcomer voted.
        errors.append(Invalid("Secret ballots cannot show results while open.", field="resultsWhileOpen"))
    if data.quorum_percent is not None:
        if not 0 <= data.quorum_percent <= 100:
            errors.append(Invalid("Use a share between 0 and 100 percent.", field="quorumPercent"))
        proposal.quorum_percent = data.quorum_percent
    if data.voting_minutes is not None:
        longest = settings.governance_max_voting_days * 24 * 60
        if not 1 <= data.voting_minutes <= longest:
            errors.append(Invalid(f"Use between 1 and {longest} minutes.", field="votingMinutes"))
        proposal.voting_minutes = data.voting_minutes
    _apply_electorate(proposal, data, errors)
    collect(errors)


def title_limit(settings: Settings) -> int:
    """MAX_TITLE_LENGTH, capped by the 300-character title columns of governance."""
    return min(settings.max_title_length, 300)


def option_problem(options: list[str], settings: Settings) -> str | None:
    """What is wrong with the options of a proposal, poll or survey question (`api.text.options_problem`)."""
    return text.options_problem(
        options, max_count=settings.governance_max_options, max_length=settings.governance_max_option_length
    )


async def get_visible(viewer: User | None, proposal_id: int, *, field: str = "proposalId") -> Proposal:
    """The proposal if the viewer may see it (its read policy), else NotFound."""
    proposal = await Proposal.filter(id=proposal_id).select_related("committee").first()
    if proposal is None or not await can_view(viewer, proposal):
        raise NotFound("No such proposal.", field=field)
    return proposal


async def is_eligible(viewer: User | None, proposal_id: int) -> bool:
    return viewer is not None and await EligibleVoter.filter(proposal_id=proposal_id, user_id=viewer.id).exists()


async def create_proposal(
    actor: User | None, committee_id: int, data: ProposalInput, *, settings: Settings
) -> Proposal:
    """A committee member (or an admin) drafts a proposal."""
    member = await require_can_act(actor)
    committee = await committees.get_visible_committee(member, committee_id)
    if not is_admin(member) and await committees.active_membership(committee.id, member.id) is None:
        raise Forbidden("Only members of the committee may submit proposals to it.", field="committeeId")
    proposal = Proposal(committee_id=committee.id, author_id=member.id, title="", body="")
    _apply(proposal, ProposalInput(**{**data.__dict__, "title": data.title or ""}), settings)
    await _check_tier(proposal, settings)
    verdict = await _gate(member, proposal, data, settings, editing=False)
    async with transaction():
        await proposal.save()
        await gate.announce(verdict, "Proposal", proposal.id, member.id)
    return proposal


async def _gate(
    author: User, proposal: Proposal, data: ProposalInput, settings: Settings, *, editing: bool
) -> gate.Verdict:
    """The content gate over the texts written; censored texts are stored as shown."""
    texts = {name: getattr(proposal, name) for name in ("title", "body") if getattr(data, name) is not None}
    if data.options is not None:
        texts.update({f"options.{i}": o for i, o in enumerate(proposal.options)})
    verdict = await gate.check(
        Submission(
            author=author, content_type="Proposal", texts=texts, editing=editing, **gate.measure(texts.get("body", ""))
        ),
        settings,
    )
    if "title" in texts:
        proposal.title = verdict.text("title", proposal.title)
    if "body" in texts:  # rendered off the event loop (api.offload)
        proposal.body_html = await render_async(verdict.text("body", proposal.body))
    if data.options is not None:
        proposal.options = [verdict.text(f"options.{i}", o) for i, o in enumerate(proposal.options)]
    return verdict


async def _editable(actor: User, proposal_id: int) -> Proposal:
    proposal = await get_visible(actor, proposal_id)
    if (
        proposal.author_id != actor.id
        and not is_admin(actor)
        and not await committees.is_chair(actor, proposal.committee_id)
    ):
        raise Forbidden("Only the author, the committee's chairs and admins may change this proposal.")
    return proposal


async def require_author_or_chair(actor: User | None, proposal_id: int) -> User:
    """The acting member if they wrote the proposal or chair its committee, else Forbidden."""
    member = await require_can_act(actor)
    proposal = await get_visible(member, proposal_id)
    if (
        proposal.author_id != member.id
        and not is_admin(member)
        and not await committees.is_chair(member, proposal.committee_id)
    ):
        raise Forbidden("Only the author, the committee's chairs and admins may do this.")
    return member


async def update_proposal(actor: User | None, proposal_id: int, data: ProposalInput, *, settings: Settings) -> Proposal:
    """Change a draft, keeping its previous text as a revision when the text changes. Opened
    proposals are frozen: their rules were fixed when voting opened."""
    from .deliberation import record_revision

    member = await require_can_act(actor)
    await _editable(member, proposal_id)
    async with transaction():
        proposal = await Proposal.filter(id=proposal_id).select_for_update().first()
        if proposal is None:
            raise NotFound("No such proposal.", field="proposalId")
        if proposal.status != ProposalStatus.DRAFT:
            raise Conflict("Only drafts can be changed.", field="proposalId", code=ErrorCode.LOCKED)
        before = (proposal.title, proposal.body, list(proposal.options))
        previous = Proposal(id=proposal.id, title=before[0], body=before[1], options=before[2])
        _apply(proposal, data, settings)
        await _check_tier(proposal, settings)
        verdict = await _gate(member, proposal, data, settings, editing=True)
        if (proposal.title, proposal.body, list(proposal.options)) != before:
            await record_revision(previous, member.id)
        await proposal.save()
        await gate.announce(verdict, "Proposal", proposal.id, member.id)
    return proposal


async def open_proposal(
    actor: User | None, proposal_id: int, *, closes_at: datetime | None = None, settings: Settings
) -> Proposal:
    """Open voting (the author or a chair): freeze the rules and snapshot the eligible voters,
    the proposal's electorate at this moment."""
    member = await require_can_act(actor)
    proposal = await get_visible(member, proposal_id)
    if proposal.author_id != member.id and not await committees.is_chair(member, proposal.committee_id):
        raise Forbidden("Only the author or a chair of the committee may open voting.")
    moment = now()
    closes_at = closes_at or moment + timedelta(minutes=proposal.voting_minutes)
    if closes_at <= moment:
        raise Invalid("Choose a closing time in the future.", field="closesAt")
    if closes_at > moment + timedelta(days=settings.governance_max_voting_days):
        raise Invalid(f"Voting lasts at most {settings.governance_max_voting_days} days.", field="closesAt")
    async with transaction():
        # The committee lock orders opening against membership changes.
        await Committee.filter(id=proposal.committee_id).select_for_update().first()
        opened = await Proposal.filter(id=proposal_id, status=ProposalStatus.DRAFT, deleted_at__isnull=True).update(
            status=ProposalStatus.OPEN,
            opened_at=moment,
            closes_at=closes_at,
        )
        if not opened:
            raise Conflict("Only drafts can be opened.", field="proposalId")
        voters = await electorate_ids(proposal)
        if not voters:
            raise Conflict("Nobody in the electorate can vote.", field="proposalId")
        await EligibleVoter.bulk_create([EligibleVoter(proposal_id=proposal_id, user_id=u) for u in voters])
        await Proposal.filter(id=proposal_id).update(eligible_count=len(voters))
    proposal = await Proposal.get(id=proposal_id)
    await notify_update(proposal)
    try:
        await notify_many(
            voters,
            "governance.proposal_opened",
            actor_id=member.id,
            subject_type="Proposal",
            subject_id=proposal.id,
            message=f"Voting opened: {proposal.title}"[:200],
        )
    except Exception:  # voting is open; a lost notification must not undo that
        log.exception("notifying the voters of proposal %s failed", proposal.id)
    return proposal


async def withdraw_proposal(actor: User | None, proposal_id: int) -> Proposal:
    """The author or a chair withdraws a draft or an open proposal; no tally is made."""
    member = await require_can_act(actor)
    proposal = await get_visible(member, proposal_id)
    if proposal.author_id != member.id and not await committees.is_chair(member, proposal.committee_id):
        raise Forbidden("Only the author or a chair of the committee may withdraw it.")
    async with transaction():
        await lock_for_closing(proposal_id)
        # The same conditional update as closing: whichever comes first wins.
        done = await Proposal.filter(id=proposal_id, status__in=[ProposalStatus.DRAFT, ProposalStatus.OPEN]).update(
            status=ProposalStatus.WITHDRAWN, closed_at=now()
        )
    if not done:
        raise Conflict("Only drafts and open proposals can be withdrawn.", field="proposalId")
    proposal = await Proposal.get(id=proposal_id)
    await notify_update(proposal)
    return proposal


async def delete_proposal(actor: User | None, proposal_id: int) -> None:
    """The author or a chair deletes a proposal that never went to a vote (a draft, or one withdrawn
    before voting opened): it disappears for everyone. One that was voted on stays on record, its
    ballots, tally and audit log with it: withdraw it instead."""
    member = await require_can_act(actor)
    proposal = await get_visible(member, proposal_id)
    if proposal.author_id != member.id and not await committees.is_chair(member, proposal.committee_id):
        raise Forbidden("Only the author or a chair of the committee may delete it.")
    async with transaction():
        # Conditional, as opening is (which also asks for a proposal not deleted): one of them wins.
        deleted = await Proposal.filter(
            id=proposal_id,
            deleted_at__isnull=True,
            opened_at__isnull=True,
            status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN],
        ).update(deleted_at=now())
        if deleted:
            await emit(ContentRemoved(content_type="Proposal", content_id=proposal_id, author_id=proposal.author_id))
    if not deleted:
        if await Proposal.filter(id=proposal_id, deleted_at__isnull=False).exists():  # deleted meanwhile
            raise NotFound("No such proposal.", field="proposalId")
        raise Conflict("A proposal that went to a vote stays on record; withdraw it instead.", field="proposalId")
    await notify_update(proposal)


# The class id of the advisory locks of proposals' voting (the object id is the proposal's id).
VOTING_LOCK_CLASS = 0x67766F74  # "gvot"


async def lock_for_voting(proposal_id: int) -> None:
    """Inside a transaction: hold the proposal's voting lock shared, so closing (which takes it
    exclusively, `lock_for_closing`) waits for ballots in flight and ballots after it see the new
    status. An advisory lock, not `SELECT ... FOR SHARE`: share-locking one row from hundreds of
    transactions at once makes PostgreSQL write the row's lockers (a new MultiXact, growing with
    every locker) on each lock, and that, not the ballots, was the cost of a busy vote. SQLite
    transactions are already serialised, so nothing to do there."""
    if is_postgres():
        from api.db import fetch_all

        await fetch_all("SELECT pg_advisory_xact_lock_shared(?, ?)", [VOTING_LOCK_CLASS, proposal_id])


async def lock_for_closing(proposal_id: int) -> None:
    """Inside a transaction, before the conditional UPDATE that ends voting (close, withdraw):
    wait for the ballots in flight and keep new ones out until the transaction ends."""
    if is_postgres():
        from api.db import fetch_all

        await fetch_all("SELECT pg_advisory_xact_lock(?, ?)", [VOTING_LOCK_CLASS, proposal_id])
