"""Announcements: publishing, the viewer's list with read state, and live publication."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from api.domain.moderation import announcements as domain
from api.models import moderation as models
from api.policies import require_member
from api.pubsub import get_broker
from schema.accounts import Payload, Role
from schema.context import Info
from schema.moderation.types import Announcement, Audience
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, paginate, parse_id


@strawberry.input(description="A new announcement.")
class PublishAnnouncementInput:
    title: str = strawberry.field(description="Headline (at most MAX_TITLE_LENGTH).")
    body: str = strawberry.field(description="Text as Markdown (at most MAX_BODY_LENGTH).")
    audience: Audience = strawberry.field(default=models.Audience.ALL, description="Who it is addressed to.")
    audience_role: Role | None = strawberry.field(default=None, description="The role addressed (audience ROLE).")
    committee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the Committee addressed (audience COMMITTEE)."
    )
    pinned: bool = strawberry.field(default=False, description="List it before the others.")
    publish_at: datetime | None = strawberry.field(default=None, description="When it appears; omit for now.")
    expires_at: datetime | None = strawberry.field(default=None, description="When it leaves the default list.")


@strawberry.type(description="Result of `publishAnnouncement`.")
class PublishAnnouncementPayload(Payload):
    announcement: Announcement | None = strawberry.field(default=None, description="The announcement.")


@strawberry.input(description="Mark an announcement read.")
class MarkAnnouncementReadInput:
    announcement_id: strawberry.ID = strawberry.field(description="Global id of the Announcement.")


@strawberry.type(description="Result of `markAnnouncementRead`.")
class MarkAnnouncementReadPayload(Payload):
    announcement: Announcement | None = strawberry.field(default=None, description="The announcement.")
    unread_count: int = strawberry.field(default=0, description="The viewer's unread announcements left.")


@strawberry.type
class Query:
    @strawberry.field(description="Published announcements addressed to the viewer: pinned first, then newest.")
    async def announcements(
        self, info: Info,
        include_expired: Annotated[bool, strawberry.argument(description="Also list expired ones.")] = False,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[Announcement]:
        query = await domain.visible_announcements(info.context.viewer, include_expired=include_expired)
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="How many live announcements addressed to the viewer are unread.")
    async def unread_announcement_count(self, info: Info) -> int:
        viewer = info.context.viewer
        return 0 if viewer is None else await domain.unread_count(viewer)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Publish an announcement now or at `publishAt` (moderators and admins).")
    @guard(Require.MODERATOR)
    async def publish_announcement(
        self, info: Info,
        input: Annotated[PublishAnnouncementInput, strawberry.argument(description="The announcement.")],
    ) -> PublishAnnouncementPayload:
        announcement = await domain.announce(
            info.context.viewer, title=input.title, body=input.body, audience=models.Audience(input.audience).value,
            audience_role=None if input.audience_role is None else input.audience_role.value,
            committee_id=None if input.committee_id is None
            else parse_id(input.committee_id, "Committee", "committeeId"),
            pinned=input.pinned, publish_at=input.publish_at, expires_at=input.expires_at,
        )
        return PublishAnnouncementPayload(announcement=announcement)

    # Read state only: like markNotificationsRead, a muted member may still do it.
    @strawberry.mutation(description="Mark an announcement read.")
    @guard(Require.SIGNED_IN)
    async def mark_announcement_read(
        self, info: Info,
        input: Annotated[MarkAnnouncementReadInput, strawberry.argument(description="The announcement read.")],
    ) -> MarkAnnouncementReadPayload:
        viewer = require_member(info.context.viewer)
        announcement = await domain.mark_read(viewer, parse_id(input.announcement_id, "Announcement", "announcementId"))
        return MarkAnnouncementReadPayload(announcement=announcement, unread_count=await domain.unread_count(viewer))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Announcements addressed to the viewer as they are published.")
    async def announcement_published(self, info: Info) -> AsyncGenerator[Announcement, None]:
        viewer = info.context.viewer
        async with get_broker().subscribe(domain.CHANNEL) as messages:
            async for message in messages:
                # Re-read and re-check: the event carries only the id.
                announcement = await domain.await_published(viewer, int(message["id"]))
                if announcement is not None:
                    yield announcement
