"""The lifecycle review: members by stage (staff)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.growth import lifecycle as domain
from api.models.accounts import UserStatus as Stage
from schema.accounts import User, UserStatus
from schema.context import Info
from schema.relay import After, Before, Connection, First, Last, paginate


@strawberry.type
class Query:
    @strawberry.field(
        description="Members (not staff) at a lifecycle stage, least recently active first "
        "(staff only): the review of AT_RISK and INACTIVE members."
    )
    async def members_by_stage(
        self,
        info: Info,
        stage: Annotated[UserStatus, strawberry.argument(description="The stage.")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        query = domain.members_by_stage(info.context.viewer, Stage(stage))
        return await paginate(info, query, first=first, after=after, last=last, before=before)
