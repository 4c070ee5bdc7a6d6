"""Trust levels: staff set or lock a member's level (`User.trustLevel` is on the member)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.trust import levels as domain
from schema.accounts import Payload, User
from schema.context import Info
from schema.permissions import Require, guard
from schema.relay import parse_id


@strawberry.input(description="A member's trust level as staff decide it.")
class SetTrustLevelInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")
    level: int | None = strawberry.field(
        default=None, description="The level, 0 to 4 (4, leader, is given only this way); null keeps it."
    )
    locked: bool = strawberry.field(
        default=True,
        description="Keep the level from automatic changes; false (with no level) hands the member "
        "back to the activity rules.",
    )


@strawberry.type(description="Result of `setTrustLevel`.")
class SetTrustLevelPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The member, as now.")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Set or lock a member's trust level (moderators and admins).")
    @guard(Require.MODERATOR)
    async def set_trust_level(
        self,
        info: Info,
        input: Annotated[SetTrustLevelInput, strawberry.argument(description="The level.")],
    ) -> SetTrustLevelPayload:
        member = await domain.set_level(
            info.context.viewer,
            parse_id(input.user_id, "User", "userId"),
            input.level,
            locked=input.locked,
            settings=info.context.settings,
        )
        return SetTrustLevelPayload(user=member)
