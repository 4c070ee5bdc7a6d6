"""Committees: listing, creating, membership changes."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.governance import committees as domain
from api.models import accounts as account_models
from api.models.accounts import Visibility as _Visibility
from api.policy import visible
from schema.accounts import Payload
from schema.context import Info
from schema.enums import Visibility
from schema.governance.enums import CommitteeRole
from schema.governance.types import Committee, CommitteeMember
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, paginate, parse_id


@strawberry.input(description="A new committee.")
class CreateCommitteeInput:
    name: str = strawberry.field(description="Unique name, at most 100 characters.")
    description: str = strawberry.field(default="", description="What the committee is for.")
    visibility: Visibility = strawberry.field(
        default=_Visibility.PUBLIC,
        description="Who sees it and its proposals; outcomes of PUBLIC committees are announced to all.",
    )


@strawberry.type(description="Result of `createCommittee`.")
class CreateCommitteePayload(Payload):
    committee: Committee | None = strawberry.field(default=None, description="The new committee.")


@strawberry.input(description="A member to seat on a committee (or to give another role).")
class AddCommitteeMemberInput:
    committee_id: strawberry.ID = strawberry.field(description="Global id of the committee.")
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")
    role: CommitteeRole = strawberry.field(
        default=account_models.CommitteeRole.MEMBER,
        description="Their role; a new role for a sitting member starts a new stint.",
    )


@strawberry.type(description="Result of `addCommitteeMember`.")
class AddCommitteeMemberPayload(Payload):
    membership: CommitteeMember | None = strawberry.field(default=None, description="The new stint.")


@strawberry.input(description="A member leaving a committee.")
class RemoveCommitteeMemberInput:
    committee_id: strawberry.ID = strawberry.field(description="Global id of the committee.")
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")


@strawberry.type(description="Result of `removeCommitteeMember`.")
class RemoveCommitteeMemberPayload(Payload):
    membership: CommitteeMember | None = strawberry.field(default=None, description="The ended stint.")


@strawberry.type
class Query:
    @strawberry.field(description="Committees the viewer may see, by name.")
    async def committees(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Committee]:
        query = (await visible(account_models.Committee, info.context.viewer, info.context.memo)).order_by("name", "id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a committee (admins).")
    @guard(Require.ADMIN)
    async def create_committee(
        self,
        info: Info,
        input: Annotated[CreateCommitteeInput, strawberry.argument(description="The committee.")],
    ) -> CreateCommitteePayload:
        committee = await domain.create_committee(
            info.context.viewer,
            input.name,
            input.description,
            _Visibility(input.visibility),
            settings=info.context.settings,
        )
        return CreateCommitteePayload(committee=committee)

    @strawberry.mutation(description="Seat a member on a committee, or change their role (chairs and admins).")
    @guard(Require.MEMBER)
    async def add_committee_member(
        self,
        info: Info,
        input: Annotated[AddCommitteeMemberInput, strawberry.argument(description="Committee, member and role.")],
    ) -> AddCommitteeMemberPayload:
        membership = await domain.add_member(
            info.context.viewer,
            parse_id(input.committee_id, "Committee", "committeeId"),
            parse_id(input.user_id, "User", "userId"),
            account_models.CommitteeRole(input.role),
        )
        return AddCommitteeMemberPayload(membership=membership)

    @strawberry.mutation(description="End a member's stint on a committee; history is kept (chairs and admins).")
    @guard(Require.MEMBER)
    async def remove_committee_member(
        self,
        info: Info,
        input: Annotated[RemoveCommitteeMemberInput, strawberry.argument(description="Committee and member.")],
    ) -> RemoveCommitteeMemberPayload:
        membership = await domain.remove_member(
            info.context.viewer,
            parse_id(input.committee_id, "Committee", "committeeId"),
            parse_id(input.user_id, "User", "userId"),
        )
        return RemoveCommitteeMemberPayload(membership=membership)
