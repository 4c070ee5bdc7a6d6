"""The public moderation log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.moderation import modlog as domain
from api.models import moderation as models
from api.policies import is_staff
from schema.accounts import User
from schema.context import Info
from schema.moderation.enums import LogAction
from schema.moderation.related import global_id, user_of
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate


@strawberry.type(description="A moderation decision, as recorded (append-only).")
class ModerationLogEntry(ModelNode):
    model = models.ModerationLogEntry

    id: relay.NodeID[int]
    action: LogAction = strawberry.field(description="What was decided.")
    subject_type: str = strawberry.field(description="GraphQL type of what it concerned.")
    reason: str = strawberry.field(description="The stated reason.")
    created_at: datetime = strawberry.field(description="When.")

    @strawberry.field(description="Global id of what it concerned, if any.")
    @staticmethod
    def subject_id(root: strawberry.Parent[models.ModerationLogEntry]) -> strawberry.ID | None:
        return global_id(root.subject_type, root.subject_id)

    @strawberry.field(description="A label of the subject at the time (staff only).")
    @staticmethod
    def subject_label(root: strawberry.Parent[models.ModerationLogEntry], info: Info) -> str | None:
        return root.subject_label if is_staff(info.context.viewer) else None

    @strawberry.field(
        description="The acting moderator: shown to staff, and to members when the community "
        "setting MODERATION_LOG_SHOWS_MODERATOR is on."
    )
    @staticmethod
    async def moderator(root: strawberry.Parent[models.ModerationLogEntry], info: Info) -> User | None:
        if not domain.shows_actor(info.context.viewer, settings=info.context.settings):
            return None
        return await user_of(info, root.actor_id)


@strawberry.type
class Query:
    @strawberry.field(
        description="Moderation decisions, newest first. Public; the acting moderator is "
        "shown to staff, and to members when the community allows it."
    )
    async def moderation_log(
        self,
        info: Info,
        action: Annotated[LogAction | None, strawberry.argument(description="Only this kind of decision.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ModerationLogEntry]:
        query = domain.entries(None if action is None else models.LogAction(action))
        return await paginate(info, query, first=first, after=after, last=last, before=before)
