"""Announcements: publishing, the viewer's list with read state, and live publication."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.domain.moderation import announcements as domain
from api.models import moderation as models
from api.policies import require_member
from api.policy import can_view
from schema.accounts import Payload, Role, User
from schema.context import Info
from schema.live import events
from schema.moderation.enums import Audience
from schema.moderation.related import global_id, user_of
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate, parse_id


@strawberry.type(description="A notice from staff, addressed to everyone, a role, a committee or a segment.")
class Announcement(ModelNode):
    model = models.Announcement

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Headline.")
    body: str = strawberry.field(description="The text as Markdown.")
    body_html: str = strawberry.field(description="The text rendered to sanitized HTML.")
    audience: Audience = strawberry.field(description="Who it is addressed to.")
    audience_role: str | None = strawberry.field(description="The role addressed (audience ROLE).")
    pinned: bool = strawberry.field(description="Listed before the others.")
    publish_at: datetime = strawberry.field(description="When it is (or was) due to appear.")
    published_at: datetime | None = strawberry.field(description="When it appeared; null while scheduled.")
    expires_at: datetime | None = strawberry.field(description="When it leaves the default list.")
    created_at: datetime = strawberry.field(description="When it was written.")

    @strawberry.field(description="Global id of the committee addressed (audience COMMITTEE).")
    @staticmethod
    def committee_id(root: strawberry.Parent[models.Announcement]) -> strawberry.ID | None:
        return global_id("Committee", root.committee_id)

    @strawberry.field(description="Global id of the saved Segment addressed (audience SEGMENT).")
    @staticmethod
    def audience_segment_id(root: strawberry.Parent[models.Announcement]) -> strawberry.ID | None:
        return global_id("Segment", root.audience_segment_id)

    @strawberry.field(description="Who published it (null for automatic announcements).")
    @staticmethod
    async def author(root: strawberry.Parent[models.Announcement], info: Info) -> User | None:
        return await user_of(info, root.author_id)

    @strawberry.field(description="Whether the viewer has marked it read.")
    @staticmethod
    async def read_by_viewer(root: strawberry.Parent[models.Announcement], info: Info) -> bool:
        viewer = info.context.viewer
        if viewer is None:
            return False

        async def batch(ids: list[int]) -> list[bool]:
            read = set(
                await models.AnnouncementRead.filter(user_id=viewer.id, announcement_id__in=ids).values_list(
                    "announcement_id", flat=True
                )
            )
            return [i in read for i in ids]

        return await info.context.loaders.custom("moderation.announcement_read", batch).load(root.id)


@strawberry.input(description="A new announcement.")
class PublishAnnouncementInput:
    title: str = strawberry.field(description="Headline (at most MAX_TITLE_LENGTH).")
    body: str = strawberry.field(description="Text as Markdown (at most MAX_BODY_LENGTH).")
    audience: Audience = strawberry.field(default=models.Audience.ALL, description="Who it is addressed to.")
    audience_role: Role | None = strawberry.field(default=None, description="The role addressed (audience ROLE).")
    committee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the Committee addressed (audience COMMITTEE)."
    )
    audience_segment_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the saved Segment addressed (audience SEGMENT): its members when "
        "the announcement is read or published (and mailed).",
    )
    pinned: bool = strawberry.field(default=False, description="List it before the others.")
    publish_at: datetime | None = strawberry.field(default=None, description="When it appears; omit for now.")
    expires_at: datetime | None = strawberry.field(default=None, description="When it leaves the default list.")
    mail: bool = strawberry.field(
        default=False,
        description="Also mail it to its audience when it is published (members who unsubscribed "
        "from bulk mail or whose address bounced are skipped).",
    )


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
        self,
        info: Info,
        include_expired: Annotated[bool, strawberry.argument(description="Also list expired ones.")] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
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
        self,
        info: Info,
        input: Annotated[PublishAnnouncementInput, strawberry.argument(description="The announcement.")],
    ) -> PublishAnnouncementPayload:
        announcement = await domain.announce(
            info.context.viewer,
            title=input.title,
            body=input.body,
            audience=models.Audience(input.audience).value,
            audience_role=None if input.audience_role is None else input.audience_role.value,
            committee_id=None
            if input.committee_id is None
            else parse_id(input.committee_id, "Committee", "committeeId"),
            segment_id=None
            if input.audience_segment_id is None
            else parse_id(input.audience_segment_id, "Segment", "audienceSegmentId"),
            pinned=input.pinned,
            publish_at=input.publish_at,
            expires_at=input.expires_at,
            mail=input.mail,
            settings=info.context.settings,
        )
        return PublishAnnouncementPayload(announcement=announcement)

    # Read state only: like markNotificationsRead, a muted member may still do it.
    @strawberry.mutation(description="Mark an announcement read.")
    @guard(Require.SIGNED_IN)
    async def mark_announcement_read(
        self,
        info: Info,
        input: Annotated[MarkAnnouncementReadInput, strawberry.argument(description="The announcement read.")],
    ) -> MarkAnnouncementReadPayload:
        viewer = require_member(info.context.viewer)
        announcement = await domain.mark_read(viewer, parse_id(input.announcement_id, "Announcement", "announcementId"))
        return MarkAnnouncementReadPayload(announcement=announcement, unread_count=await domain.unread_count(viewer))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Announcements addressed to the viewer as they are published.")
    async def announcement_published(self, info: Info) -> AsyncGenerator[Announcement, None]:
        async for message in events(info, domain.CHANNEL):
            # Re-read and re-check: the event carries only the id (sent once the row is committed).
            announcement = await models.Announcement.filter(id=int(message["id"])).first()
            if announcement is not None and await can_view(info.context.viewer, announcement, info.context.memo):
                yield announcement  # type: ignore[misc]  # a Tortoise row stands for its ModelNode type
