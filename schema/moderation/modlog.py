"""The public moderation log."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.moderation import modlog as domain
from api.models import moderation as models
from schema.context import Info
from schema.moderation.types import LogAction, ModerationLogEntry
from schema.relay import After, Before, Connection, First, Last, paginate


@strawberry.type
class Query:
    @strawberry.field(description="Moderation decisions, newest first. Public; the acting moderator is "
                                  "shown to staff, and to members when the community allows it.")
    async def moderation_log(
        self, info: Info,
        action: Annotated[LogAction | None, strawberry.argument(description="Only this kind of decision.")] = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[ModerationLogEntry]:
        query = domain.entries(None if action is None else models.LogAction(action))
        return await paginate(info, query, first=first, after=after, last=last, before=before)
