"""GraphQL types of committees and proposals (ballots, tallies, receipts, audit)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from api.domain.governance import closing
from api.domain.governance import proposals as proposals_domain
from api.domain.governance.tally import TallyResult, tally
from api.models import accounts as account_models
from api.models import governance as models
from api.models.governance import ProposalStatus as _Status
from api.policy import visible
from schema.accounts import Role, User
from schema.context import Info
from schema.enums import Visibility
from schema.governance import access
from schema.governance.enums import (
    AbstentionRule,
    AuditAction,
    CommitteeRole,
    Electorate,
    Outcome,
    ProposalStatus,
    Threshold,
    VotingMethod,
)
from schema.relay import After, Before, Connection, First, Last, ModelNode, node_global_id, paginate

if TYPE_CHECKING:
    from schema.forum.types import Topic


def _fetched(row: object, name: str, model: type) -> object | None:
    """The related object when the query already fetched it (select_related), else None."""
    value = row.__dict__.get(f"_{name}") or row.__dict__.get(name)
    return value if isinstance(value, model) else None


@strawberry.type(description="A committee: members who vote on proposals.")
class Committee(ModelNode):
    model = account_models.Committee

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Unique name.")
    description: str = strawberry.field(description="What the committee is for.")
    visibility: Visibility = strawberry.field(
        description="Who sees the committee and its proposals (PRIVATE: its members and admins)."
    )
    created_at: datetime = strawberry.field(description="When it was created.")

    @strawberry.field(description="Current members (with `includeFormer`, every stint), by joining time.")
    @staticmethod
    async def members(
        root: strawberry.Parent[account_models.Committee],
        info: Info,
        include_former: Annotated[
            bool, strawberry.argument(description="Also list ended stints (membership history).")
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CommitteeMember]:
        query = account_models.CommitteeMembership.filter(committee_id=root.id).select_related("user")
        if not include_former:
            query = query.filter(left_at__isnull=True)
        return await paginate(
            info, query.order_by("joined_at", "id"), first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="The committee's proposals, newest first. Drafts only for its members.")
    @staticmethod
    async def proposals(
        root: strawberry.Parent[account_models.Committee],
        info: Info,
        status: Annotated[
            ProposalStatus | None, strawberry.argument(description="Only proposals in this status.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Proposal]:
        # The proposals' read policy (drafts, moderation), narrowed to this committee.
        query = (
            (await visible(models.Proposal, info.context.viewer, info.context.memo))
            .filter(committee_id=root.id)
            .select_related("committee", "author")
        )
        if status is not None:
            query = query.filter(status=status)
        page = await paginate(
            info, query.order_by("-created_at", "-id"), first=first, after=after, last=last, before=before
        )
        await closing.settle(page.nodes(), settings=info.context.settings)
        return page

    @strawberry.field(description="The viewer's current role on the committee, if they sit on it.")
    @staticmethod
    async def viewer_role(root: strawberry.Parent[account_models.Committee], info: Info) -> CommitteeRole | None:
        if root.id in await access.chair_of(info):
            return account_models.CommitteeRole.CHAIR
        if root.id in await access.member_of(info):
            return account_models.CommitteeRole.MEMBER
        return None


@strawberry.type(description="One stint of a member on a committee (history is kept).")
class CommitteeMember(ModelNode):
    model = account_models.CommitteeMembership

    id: relay.NodeID[int]
    role: CommitteeRole = strawberry.field(description="Their role during this stint.")
    joined_at: datetime = strawberry.field(description="When the stint began.")
    left_at: datetime | None = strawberry.field(description="When it ended; null while current.")

    @strawberry.field(description="The member.")
    @staticmethod
    async def user(root: strawberry.Parent[account_models.CommitteeMembership], info: Info) -> User:
        return _fetched(root, "user", account_models.User) or await info.context.loaders.by_id(
            account_models.User
        ).load(root.user_id)

    @strawberry.field(description="The committee.")
    @staticmethod
    async def committee(root: strawberry.Parent[account_models.CommitteeMembership], info: Info) -> Committee:
        return await info.context.loaders.by_id(account_models.Committee).load(root.committee_id)


@strawberry.type(name="ProposalOptionCount", description="Votes for one answer or option.")
class OptionCount:
    option: str = strawberry.field(description="YES, NO, ABSTAIN or the option's label.")
    votes: int = strawberry.field(description="Ballots counted for it.")


def _counts(counts: dict[str, int]) -> list[OptionCount]:
    return [OptionCount(option=k, votes=v) for k, v in counts.items()]


@strawberry.type(name="ProposalTallyRound", description="One round of an instant run-off count.")
class TallyRound:
    number: int = strawberry.field(description="1 for first preferences.")
    counts: list[OptionCount] = strawberry.field(description="Votes of each continuing option this round.")
    eliminated: list[str] = strawberry.field(description="Option eliminated after this round, if any.")
    exhausted: int = strawberry.field(description="Ballots with no continuing option left.")


@strawberry.type(
    name="ProposalTally",
    description="The count of a proposal's ballots. The tie rule: a YES/NO tie fails; options "
    "tied for the lead win nothing; in ranked choice a tie for last place is broken "
    "by earlier rounds, then by later position in the option list, and a tie of all "
    "continuing options wins nothing.",
)
class Tally:
    final: bool = strawberry.field(description="True once voting closed (stored); false for a live count.")
    eligible: int = strawberry.field(description="Members eligible to vote.")
    ballots: int = strawberry.field(description="Ballots cast, abstentions included.")
    abstentions: int = strawberry.field(description="Ballots that abstained.")
    counts: list[OptionCount] = strawberry.field(description="Votes per answer (first preferences for ranked choice).")
    quorum_met: bool = strawberry.field(description="Whether enough eligible members voted.")
    outcome: Outcome = strawberry.field(description="The outcome these ballots give (final once closed).")
    winner: str | None = strawberry.field(description="The leading answer or option, if one leads alone.")
    tied: list[str] = strawberry.field(description="Options tied for the lead, when a tie decided the count.")
    support: int = strawberry.field(description="Votes of the leading answer, as measured against the threshold.")
    base: int = strawberry.field(description="Votes the threshold was measured against.")
    rounds: list[TallyRound] = strawberry.field(description="Instant run-off rounds (ranked choice only).")

    @classmethod
    def of(cls, result: TallyResult, *, final: bool) -> Tally:
        return cls(
            final=final,
            eligible=result.eligible,
            ballots=result.ballots,
            abstentions=result.abstentions,
            counts=_counts(result.counts),
            quorum_met=result.quorum_met,
            outcome=result.outcome,
            winner=result.winner,
            tied=result.tied,
            support=result.support,
            base=result.base,
            rounds=[
                TallyRound(number=r.number, counts=_counts(r.counts), eliminated=r.eliminated, exhausted=r.exhausted)
                for r in result.rounds
            ],
        )


@strawberry.type(name="ProposalVoter", description="A member who voted, and when (what they voted is not part of it).")
class Voter:
    user: User = strawberry.field(description="The voter.")
    voted_at: datetime = strawberry.field(description="When their current ballot was cast.")


@strawberry.type(name="ProposalOpenBallot", description="A ballot of an open (non-secret) vote, with its voter.")
class OpenBallot:
    voter: User = strawberry.field(description="The voter.")
    choices: list[str] = strawberry.field(description="What they chose (ranked for ranked choice; empty: abstained).")
    cast_at: datetime = strawberry.field(description="When the ballot was last cast.")


@strawberry.type(
    name="ProposalPublishedBallot",
    description="An anonymised ballot of the list published after close: a receipt and choices.",
)
class PublishedBallot:
    receipt: str = strawberry.field(description="The receipt its voter was given.")
    choices: list[str] = strawberry.field(description="What was chosen (empty: abstained).")


@strawberry.type(description="An entry of a proposal's append-only vote log.")
class VoteAuditEntry(ModelNode):
    model = models.VoteAuditEntry

    id: relay.NodeID[int]
    action: AuditAction = strawberry.field(description="Cast, change or retraction.")
    at: datetime = strawberry.field(description="When it happened.")

    @strawberry.field(description="The voter; null on secret ballots (nobody, admins included, learns who voted).")
    @staticmethod
    async def voter(root: strawberry.Parent[models.VoteAuditEntry], info: Info) -> User | None:
        proposal = await info.context.loaders.by_id(models.Proposal).load(root.proposal_id)
        if proposal is None or proposal.secret:
            return None
        return await info.context.loaders.by_id(account_models.User).load(root.voter_id)

    @strawberry.field(description="The choices, for open ballots only; always null for secret ones.")
    @staticmethod
    def choices(root: strawberry.Parent[models.VoteAuditEntry]) -> list[str] | None:
        return root.choices


@strawberry.type(description="An earlier text of a draft proposal, kept when it was changed.")
class ProposalRevision:
    number: int = strawberry.field(description="1 for the first text.")
    title: str = strawberry.field(description="The title then.")
    body: str = strawberry.field(description="The Markdown text then.")
    options: list[str] = strawberry.field(description="The options then.")
    replaced_at: datetime = strawberry.field(description="When this text was replaced.")
    edited_by_id: strawberry.Private[int | None]

    @strawberry.field(description="Who replaced it.")
    async def edited_by(self, info: Info) -> User | None:
        if self.edited_by_id is None:
            return None
        return await info.context.loaders.by_id(account_models.User).load(self.edited_by_id)


@strawberry.type(description="A motion a committee votes on. Its rules freeze when voting opens.")
class Proposal(ModelNode):
    model = models.Proposal

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title.")
    body: str = strawberry.field(description="The text, as Markdown.")
    body_html: str = strawberry.field(description="The text, as sanitised HTML.")
    status: ProposalStatus = strawberry.field(description="Draft, open, closed or withdrawn.")
    method: VotingMethod = strawberry.field(description="How ballots are cast and counted.")
    options: list[str] = strawberry.field(description="The options (not for YES_NO_ABSTAIN).")
    quorum_percent: int = strawberry.field(description="Share (%) of eligible members who must vote.")
    threshold: Threshold = strawberry.field(description="Support needed to pass.")
    abstentions: AbstentionRule = strawberry.field(description="How abstentions count.")
    secret: bool = strawberry.field(description="Secret ballot: who voted shows, what they voted never does.")
    results_while_open: bool = strawberry.field(description="Whether the live tally shows while voting is open.")
    voting_minutes: int = strawberry.field(description="Voting period used when opened without `closesAt`.")
    created_at: datetime = strawberry.field(description="When it was drafted.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    opened_at: datetime | None = strawberry.field(description="When voting opened.")
    closes_at: datetime | None = strawberry.field(description="When voting closes (by itself).")
    closed_at: datetime | None = strawberry.field(description="When it closed or was withdrawn.")
    eligible_count: int = strawberry.field(description="Members eligible to vote (frozen at opening).")
    electorate: Electorate = strawberry.field(description="Who votes: snapshotted into the eligible voters at opening.")
    electorate_min_trust_level: int | None = strawberry.field(
        description="For TRUST_LEVEL: the lowest level that votes."
    )

    @strawberry.field(description="For TIER: global id of the lowest tier that votes.")
    def electorate_min_tier_id(self) -> strawberry.ID | None:
        if self.electorate_min_tier_id is None:
            return None
        return strawberry.ID(node_global_id("Tier", self.electorate_min_tier_id))

    @strawberry.field(description="For ROLES: the roles that vote.")
    def electorate_roles(self) -> list[Role]:
        return [account_models.Role(r) for r in self.electorate_roles]

    outcome: Outcome | None = strawberry.field(description="The outcome, once closed.")

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        shown = await super().visible(info, rows)  # the read policy
        await closing.settle(
            shown, settings=info.context.settings
        )  # overdue proposals close when read, should the scheduler lag
        return shown

    @strawberry.field(description="The committee voting on it.")
    @staticmethod
    async def committee(root: strawberry.Parent[models.Proposal], info: Info) -> Committee:
        return _fetched(root, "committee", account_models.Committee) or await info.context.loaders.by_id(
            account_models.Committee
        ).load(root.committee_id)

    @strawberry.field(description="Who drafted it (null if the account is gone).")
    @staticmethod
    async def author(root: strawberry.Parent[models.Proposal], info: Info) -> User | None:
        if root.author_id is None:
            return None
        return _fetched(root, "author", account_models.User) or await info.context.loaders.by_id(
            account_models.User
        ).load(root.author_id)

    @strawberry.field(description="How many ballots are cast (on secret ballots, the only thing shown about voters).")
    @staticmethod
    async def ballot_count(root: strawberry.Parent[models.Proposal], info: Info) -> int:
        return await access.ballot_counts(info).load(root.id)

    @strawberry.field(
        description="The tally: stored once closed; live while open only if the proposal "
        "shows results while open; null otherwise."
    )
    @staticmethod
    async def tally(root: strawberry.Parent[models.Proposal], info: Info) -> Tally | None:
        status = _Status(root.status)
        if status is _Status.CLOSED and root.result:
            return Tally.of(TallyResult.from_dict(root.result), final=True)
        if status is _Status.OPEN and root.results_while_open:
            ballots = await access.proposal_ballots(info).load(root.id)
            return Tally.of(tally(proposals_domain.rules_of(root), ballots, root.eligible_count), final=False)
        return None

    @strawberry.field(description="Whether the viewer may vote now.")
    @staticmethod
    async def viewer_can_vote(root: strawberry.Parent[models.Proposal], info: Info) -> bool:
        if info.context.viewer is None or _Status(root.status) is not _Status.OPEN:
            return False
        return await access.viewer_eligible(info).load(root.id)

    @strawberry.field(description="Whether the viewer has a ballot on this proposal.")
    @staticmethod
    async def viewer_has_voted(root: strawberry.Parent[models.Proposal], info: Info) -> bool:
        if info.context.viewer is None:
            return False
        return await access.viewer_ballots(info).load(root.id) is not None

    @strawberry.field(
        description="The receipt of the viewer's current ballot: after close, find it in "
        "`publishedBallots` (or `verifyReceipt`) to check the ballot was counted."
    )
    @staticmethod
    async def viewer_receipt(root: strawberry.Parent[models.Proposal], info: Info) -> str | None:
        if info.context.viewer is None:
            return None
        ballot = await access.viewer_ballots(info).load(root.id)
        return ballot.receipt if ballot else None

    @strawberry.field(description="The viewer's own choices, for open ballots only (null for secret ones).")
    @staticmethod
    async def viewer_choices(root: strawberry.Parent[models.Proposal], info: Info) -> list[str] | None:
        if info.context.viewer is None or root.secret:
            return None
        ballot = await access.viewer_ballots(info).load(root.id)
        return list(ballot.choices) if ballot else None

    @strawberry.field(
        description="Who voted and when, in voting order, never what they voted; empty on secret "
        "ballots, where nobody (admins included) learns who voted: see `ballotCount`."
    )
    @staticmethod
    async def voters(
        root: strawberry.Parent[models.Proposal],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Voter]:
        query = models.Ballot.filter(proposal_id=root.id).select_related("voter").order_by("id")
        if root.secret:
            query = query.filter(id__lt=0)
        page = await paginate(info, query, first=first, after=after, last=last, before=before, prime=False)
        page.map_items(lambda ballot: Voter(user=ballot.voter, voted_at=ballot.updated_at))
        return page

    @strawberry.field(
        description="Ballots with their voters: open (non-secret) votes only, once results "
        "show. Empty for secret ballots."
    )
    @staticmethod
    async def ballots(
        root: strawberry.Parent[models.Proposal],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[OpenBallot]:
        shown = not root.secret and (
            _Status(root.status) is _Status.CLOSED or (_Status(root.status) is _Status.OPEN and root.results_while_open)
        )
        query = models.Ballot.filter(proposal_id=root.id).select_related("voter").order_by("id")
        if not shown:
            query = query.filter(id__lt=0)
        page = await paginate(info, query, first=first, after=after, last=last, before=before, prime=False)
        page.map_items(lambda b: OpenBallot(voter=b.voter, choices=list(b.choices), cast_at=b.updated_at))
        return page

    @strawberry.field(
        description="After close: every ballot as (receipt, choices), ordered by receipt, with no "
        "voter. Empty before close."
    )
    @staticmethod
    async def published_ballots(
        root: strawberry.Parent[models.Proposal],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PublishedBallot]:
        query = models.Ballot.filter(proposal_id=root.id).order_by("receipt")
        if _Status(root.status) is not _Status.CLOSED:
            query = query.filter(id__lt=0)
        page = await paginate(info, query, first=first, after=after, last=last, before=before, prime=False)
        page.map_items(lambda b: PublishedBallot(receipt=b.receipt, choices=list(b.choices)))
        return page

    @strawberry.field(
        description="The forum topic where the proposal is discussed (null until a chair or the "
        "author opens it, or when the viewer cannot see it)."
    )
    async def discussion(self, info: Info) -> Annotated[Topic, strawberry.lazy("schema.forum.types")] | None:
        from api.models.forum import Topic as TopicModel
        from api.policy import visible_rows

        topic_id = self.discussion_topic_id  # type: ignore[attr-defined]
        if topic_id is None:
            return None

        async def batch(ids: list[int]) -> list[TopicModel | None]:
            # The topics' read policy over the whole batch: one check for the page, not one per row.
            rows = list(await TopicModel.filter(id__in=ids))
            shown = {t.id: t for t in await visible_rows(info.context.viewer, rows, info.context.memo)}
            return [shown.get(i) for i in ids]

        return await info.context.loaders.custom("governance.discussion_topics", batch).load(topic_id)

    @strawberry.field(description="The chair's outcome statement, as Markdown (empty until published after close).")
    def outcome_statement(self) -> str:
        return self.outcome_statement

    @strawberry.field(description="The outcome statement, as sanitised HTML.")
    def outcome_statement_html(self) -> str:
        return self.outcome_statement_html

    @strawberry.field(description="When the outcome statement was published.")
    def outcome_published_at(self) -> datetime | None:
        return self.outcome_published_at

    @strawberry.field(description="Earlier texts of the draft, oldest first (the current text is the proposal's).")
    async def revisions(self, info: Info) -> list[ProposalRevision]:
        rows = await info.context.loaders.many(models.ProposalRevision, "proposal_id", order_by=("number",)).load(
            self.id
        )
        return [
            ProposalRevision(
                number=r.number,
                title=r.title,
                body=r.body,
                options=list(r.options),
                replaced_at=r.created_at,
                edited_by_id=r.edited_by_id,
            )
            for r in rows
        ]

    @strawberry.field(description="Every cast, change and retraction, oldest first (append-only).")
    @staticmethod
    async def audit_log(
        root: strawberry.Parent[models.Proposal],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[VoteAuditEntry]:
        query = models.VoteAuditEntry.filter(proposal_id=root.id).order_by("id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="The members eligible to vote, frozen when voting opened.")
    @staticmethod
    async def eligible_voters(
        root: strawberry.Parent[models.Proposal],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        query = account_models.User.filter(governance_eligibilities__proposal_id=root.id).order_by("id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)
