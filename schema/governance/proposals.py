"""Proposals and votes: drafting, opening, voting, closing, receipts, live updates."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from api.domain.governance import ballots as ballots_domain
from api.domain.governance import closing, deliberation
from api.domain.governance import committees as committees_domain
from api.domain.governance import proposals as domain
from api.errors import DomainError, Invalid
from api.models import accounts as account_models
from api.models import governance as models
from schema.accounts import Payload, Role
from schema.context import Info
from schema.errors import PublicError
from schema.governance.enums import AbstentionRule, Electorate, Threshold, VotingMethod
from schema.governance.types import Proposal
from schema.live import events
from schema.permissions import Require, guard
from schema.relay import parse_id


@strawberry.input(description="A new proposal (a draft until opened).")
class CreateProposalInput:
    committee_id: strawberry.ID = strawberry.field(description="Global id of the committee.")
    title: str = strawberry.field(description="Title, at most MAX_TITLE_LENGTH characters.")
    body: str = strawberry.field(default="", description="The text, as Markdown.")
    method: VotingMethod = strawberry.field(
        default=models.VotingMethod.YES_NO_ABSTAIN, description="How ballots are cast and counted."
    )
    options: list[str] | None = strawberry.field(
        default=None, description="Options (2 or more) for the SINGLE_CHOICE, APPROVAL and RANKED_CHOICE methods."
    )
    quorum_percent: int = strawberry.field(default=50, description="Share (0-100 %) of eligible members who must vote.")
    threshold: Threshold = strawberry.field(
        default=models.Threshold.SIMPLE_MAJORITY, description="Support needed to pass."
    )
    abstentions: AbstentionRule = strawberry.field(
        default=models.AbstentionRule.EXCLUDED, description="How abstentions count."
    )
    secret: bool = strawberry.field(default=False, description="Secret ballot.")
    results_while_open: bool = strawberry.field(default=False, description="Show the live tally while open.")
    voting_minutes: int = strawberry.field(
        default=7 * 24 * 60, description="Voting period, if opened without `closesAt`."
    )
    electorate: Electorate = strawberry.field(default=models.Electorate.COMMITTEE, description="Who votes.")
    electorate_roles: list[Role] | None = strawberry.field(default=None, description="For ROLES: the roles that vote.")
    electorate_min_trust_level: int | None = strawberry.field(
        default=None, description="For TRUST_LEVEL: the lowest trust level (0-4) that votes."
    )
    electorate_min_tier_id: strawberry.ID | None = strawberry.field(
        default=None, description="For TIER: global id of the lowest tier that votes (higher-ranked tiers vote too)."
    )


@strawberry.input(description="Changes to a draft; omitted fields stay.")
class UpdateProposalInput:
    proposal_id: strawberry.ID = strawberry.field(description="Global id of the draft.")
    title: str | None = strawberry.field(default=None, description="New title.")
    body: str | None = strawberry.field(default=None, description="New Markdown text.")
    method: VotingMethod | None = strawberry.field(default=None, description="New voting method.")
    options: list[str] | None = strawberry.field(default=None, description="New options.")
    quorum_percent: int | None = strawberry.field(default=None, description="New quorum (%).")
    threshold: Threshold | None = strawberry.field(default=None, description="New threshold.")
    abstentions: AbstentionRule | None = strawberry.field(default=None, description="New abstention rule.")
    secret: bool | None = strawberry.field(default=None, description="Secret ballot or not.")
    results_while_open: bool | None = strawberry.field(default=None, description="Live tally or not.")
    voting_minutes: int | None = strawberry.field(default=None, description="New voting period.")
    electorate: Electorate | None = strawberry.field(default=None, description="Who votes.")
    electorate_roles: list[Role] | None = strawberry.field(default=None, description="For ROLES: the roles that vote.")
    electorate_min_trust_level: int | None = strawberry.field(
        default=None, description="For TRUST_LEVEL: the lowest trust level (0-4) that votes."
    )
    electorate_min_tier_id: strawberry.ID | None = strawberry.field(
        default=None, description="For TIER: global id of the lowest tier that votes (higher-ranked tiers vote too)."
    )


@strawberry.input(description="Open voting on a draft.")
class OpenProposalInput:
    proposal_id: strawberry.ID = strawberry.field(description="Global id of the draft.")
    closes_at: datetime | None = strawberry.field(
        default=None, description="When voting closes; default: now plus `votingMinutes`."
    )


@strawberry.input(description="A proposal to act on.")
class ProposalActionInput:
    proposal_id: strawberry.ID = strawberry.field(description="Global id of the proposal.")


@strawberry.input(
    description="A ballot. Give `choice` (YES, NO, ABSTAIN or one option), `choices` "
    "(approval) or `ranking` (ranked choice); an empty list abstains."
)
class CastVoteInput:
    proposal_id: strawberry.ID = strawberry.field(description="Global id of the proposal.")
    choice: str | None = strawberry.field(default=None, description="One answer or option.")
    choices: list[str] | None = strawberry.field(default=None, description="Approved options.")
    ranking: list[str] | None = strawberry.field(default=None, description="Options in order of preference.")


@strawberry.input(description="Open a proposal's discussion thread: a forum topic in a space.")
class StartProposalDiscussionInput:
    proposal_id: strawberry.ID = strawberry.field(description="Global id of the proposal.")
    space_id: strawberry.ID = strawberry.field(description="Global id of the forum space for the topic.")


@strawberry.input(description="The outcome statement of a closed proposal.")
class PublishProposalOutcomeInput:
    proposal_id: strawberry.ID = strawberry.field(description="Global id of the closed proposal.")
    statement: str = strawberry.field(description="What the community decided and what happens next (Markdown).")


@strawberry.type(description="Result of a proposal mutation.")
class ProposalPayload(Payload):
    proposal: Proposal | None = strawberry.field(default=None, description="The proposal.")


@strawberry.type(description="Result of `castVote`.")
class CastVotePayload(Payload):
    proposal: Proposal | None = strawberry.field(default=None, description="The proposal.")
    receipt: str | None = strawberry.field(
        default=None, description="Keep it: after close, find it in the published ballot list to check your vote."
    )


@strawberry.type(description="Whether a receipt is in a closed proposal's published ballot list.")
class ReceiptCheck:
    listed: bool = strawberry.field(description="True when a ballot with this receipt was counted.")
    choices: list[str] | None = strawberry.field(description="The choices published with it.")


def _data(input: CreateProposalInput | UpdateProposalInput) -> domain.ProposalInput:
    def enum(value, cls):
        return None if value is None else cls(value)

    return domain.ProposalInput(
        title=input.title,
        body=input.body,
        method=enum(input.method, models.VotingMethod),
        options=input.options,
        quorum_percent=input.quorum_percent,
        threshold=enum(input.threshold, models.Threshold),
        abstentions=enum(input.abstentions, models.AbstentionRule),
        secret=input.secret,
        results_while_open=input.results_while_open,
        voting_minutes=input.voting_minutes,
        electorate=enum(input.electorate, models.Electorate),
        electorate_roles=None
        if input.electorate_roles is None
        else [account_models.Role(r) for r in input.electorate_roles],
        electorate_min_trust_level=input.electorate_min_trust_level,
        electorate_min_tier_id=None
        if input.electorate_min_tier_id is None
        else parse_id(input.electorate_min_tier_id, "Tier", "electorateMinTierId"),
    )


def _choices(input: CastVoteInput) -> list[str]:
    given = [v for v in (input.choice, input.choices, input.ranking) if v is not None]
    if len(given) != 1:
        raise Invalid("Give exactly one of choice, choices or ranking.", field="choice")
    return [input.choice] if input.choice is not None else list(given[0])


def _proposal_id(value: strawberry.ID) -> int:
    return parse_id(value, "Proposal", "proposalId")


@strawberry.type
class Query:
    @strawberry.field(description="Check a ballot receipt against a closed proposal's published ballots.")
    async def verify_receipt(
        self,
        info: Info,
        proposal_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the proposal.")],
        receipt: Annotated[str, strawberry.argument(description="The receipt given when voting.")],
    ) -> ReceiptCheck:
        try:
            choices = await ballots_domain.verify_receipt(info.context.viewer, _proposal_id(proposal_id), receipt)
        except DomainError as exc:
            raise PublicError(exc.message) from None
        return ReceiptCheck(listed=choices is not None, choices=choices)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Draft a proposal (committee members).")
    @guard(Require.MEMBER)
    async def create_proposal(
        self,
        info: Info,
        input: Annotated[CreateProposalInput, strawberry.argument(description="The proposal.")],
    ) -> ProposalPayload:
        proposal = await domain.create_proposal(
            info.context.viewer,
            parse_id(input.committee_id, "Committee", "committeeId"),
            _data(input),
            settings=info.context.settings,
        )
        return ProposalPayload(proposal=proposal)

    @strawberry.mutation(description="Change a draft (author, chairs, admins).")
    @guard(Require.MEMBER)
    async def update_proposal(
        self,
        info: Info,
        input: Annotated[UpdateProposalInput, strawberry.argument(description="The changes.")],
    ) -> ProposalPayload:
        proposal = await domain.update_proposal(
            info.context.viewer, _proposal_id(input.proposal_id), _data(input), settings=info.context.settings
        )
        return ProposalPayload(proposal=proposal)

    @strawberry.mutation(description="Open voting (author or chair): rules and eligible voters freeze.")
    @guard(Require.MEMBER)
    async def open_proposal(
        self,
        info: Info,
        input: Annotated[OpenProposalInput, strawberry.argument(description="Draft and closing time.")],
    ) -> ProposalPayload:
        proposal = await domain.open_proposal(
            info.context.viewer,
            _proposal_id(input.proposal_id),
            settings=info.context.settings,
            closes_at=input.closes_at,
        )
        return ProposalPayload(proposal=proposal)

    @strawberry.mutation(description="Withdraw a draft or open proposal (author or chair); it is never tallied.")
    @guard(Require.MEMBER)
    async def withdraw_proposal(
        self,
        info: Info,
        input: Annotated[ProposalActionInput, strawberry.argument(description="The proposal.")],
    ) -> ProposalPayload:
        return ProposalPayload(
            proposal=await domain.withdraw_proposal(info.context.viewer, _proposal_id(input.proposal_id))
        )

    @strawberry.mutation(
        description="Delete a proposal that never went to a vote (author or chair); one voted on stays on record."
    )
    @guard(Require.MEMBER)
    async def delete_proposal(
        self,
        info: Info,
        input: Annotated[ProposalActionInput, strawberry.argument(description="The proposal.")],
    ) -> ProposalPayload:
        await domain.delete_proposal(info.context.viewer, _proposal_id(input.proposal_id))
        return ProposalPayload(proposal=None)

    @strawberry.mutation(description="Close voting early (chairs and admins); the tally is made and announced.")
    @guard(Require.MEMBER)
    async def close_proposal(
        self,
        info: Info,
        input: Annotated[ProposalActionInput, strawberry.argument(description="The proposal.")],
    ) -> ProposalPayload:
        return ProposalPayload(
            proposal=await closing.close_early(
                info.context.viewer, _proposal_id(input.proposal_id), settings=info.context.settings
            )
        )

    @strawberry.mutation(description="Cast or change the viewer's ballot (eligible members, while open).")
    @guard(Require.MEMBER)
    async def cast_vote(
        self,
        info: Info,
        input: Annotated[CastVoteInput, strawberry.argument(description="The ballot.")],
    ) -> CastVotePayload:
        proposal, ballot = await ballots_domain.cast_ballot(
            info.context.viewer,
            _proposal_id(input.proposal_id),
            _choices(input),
            settings=info.context.settings,
            memo=info.context.memo,
        )
        return CastVotePayload(proposal=proposal, receipt=ballot.receipt)

    @strawberry.mutation(
        description="Open the proposal's discussion thread in a forum space (author or chair); "
        "posts in it follow the forum's rules."
    )
    @guard(Require.MEMBER)
    async def start_proposal_discussion(
        self,
        info: Info,
        input: Annotated[StartProposalDiscussionInput, strawberry.argument(description="The thread.")],
    ) -> ProposalPayload:
        return ProposalPayload(
            proposal=await deliberation.start_discussion(
                info.context.viewer,
                _proposal_id(input.proposal_id),
                parse_id(input.space_id, "Space", "spaceId"),
                settings=info.context.settings,
            )
        )

    @strawberry.mutation(
        description="Publish the outcome statement of a closed proposal, once (chairs and admins); "
        "it is announced with the tally."
    )
    @guard(Require.MEMBER)
    async def publish_proposal_outcome(
        self,
        info: Info,
        input: Annotated[PublishProposalOutcomeInput, strawberry.argument(description="The statement.")],
    ) -> ProposalPayload:
        return ProposalPayload(
            proposal=await deliberation.publish_outcome(
                info.context.viewer, _proposal_id(input.proposal_id), input.statement, settings=info.context.settings
            )
        )

    @strawberry.mutation(description="Withdraw the viewer's ballot while voting is open.")
    @guard(Require.MEMBER)
    async def retract_vote(
        self,
        info: Info,
        input: Annotated[ProposalActionInput, strawberry.argument(description="The proposal.")],
    ) -> ProposalPayload:
        return ProposalPayload(
            proposal=await ballots_domain.retract_vote(
                info.context.viewer, _proposal_id(input.proposal_id), settings=info.context.settings
            )
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(description="A committee's proposals as they open, collect ballots and close.")
    async def proposal_updated(
        self,
        info: Info,
        committee_id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the committee.")],
    ) -> AsyncGenerator[Proposal, None]:
        try:
            committee = await committees_domain.get_visible_committee(
                info.context.viewer, parse_id(committee_id, "Committee", "committeeId")
            )
        except DomainError as exc:
            raise PublicError(exc.message) from None
        async for message in events(info, domain.channel_for(committee.id)):
            proposal = await models.Proposal.filter(id=message["id"]).first()
            if proposal is not None and await Proposal.visible(info, [proposal]):
                yield proposal  # type: ignore[misc]  # a Tortoise row stands for its ModelNode type
