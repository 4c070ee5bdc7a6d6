"""Topics: lists (HOT, NEW, TOP, UNANSWERED), tags, and topic mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.expressions import Subquery

from api.domain.forum import access
from api.domain.forum import topics as domain
from api.models import forum as models
from api.policy import visible
from schema.accounts import Payload
from schema.context import Info
from schema.errors import PublicError
from schema.forum import loaders
from schema.forum.enums import TopicKind, TopicOrder
from schema.forum.types import Tag, Topic
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, paginate, parse_id

_ORDER = {
    TopicOrder.HOT: ("-pinned", "-hot", "-id"),
    TopicOrder.NEW: ("-pinned", "-created_at", "-id"),
    TopicOrder.TOP: ("-score", "-reaction_count", "-reply_count", "-id"),
    TopicOrder.UNANSWERED: ("-created_at", "-id"),
}


async def topic_list_query(
    info: Info, *, space_id: int | None, tag: str | None, kind: models.TopicKind | None, order: TopicOrder
):
    """The visible topics, filtered and ordered (one query when paginated)."""
    index = await loaders.spaces(info)
    viewer = info.context.viewer
    space_ids = index.visible_ids(viewer)
    if space_id is not None:
        if not index.can_view(viewer, space_id):
            raise PublicError("No such space.")
        space_ids = [i for i in index.family(space_id) if i in space_ids]
    query = models.Topic.filter(access.topic_filter(viewer, space_ids))
    if tag:
        tagged = models.TopicTag.filter(tag__name=tag.strip().lower()).values("topic_id")
        query = query.filter(id__in=Subquery(tagged))
    if kind is not None:
        query = query.filter(kind=kind)
    if order is TopicOrder.UNANSWERED:
        query = query.filter(reply_count=0)
    return query.order_by(*_ORDER[order])


@strawberry.input(description="A new discussion.")
class CreateTopicInput:
    space_id: strawberry.ID = strawberry.field(description="The space to post in.")
    title: str = strawberry.field(description="1 to MAX_TITLE_LENGTH characters.")
    body: str = strawberry.field(description="Markdown, 1 to MAX_BODY_LENGTH characters; `@name` mentions notify.")
    tags: list[str] = strawberry.field(default_factory=list, description="At most FORUM_MAX_TAGS tags.")


@strawberry.input(description="Changes to a topic; omitted fields stay. The previous version is kept.")
class EditTopicInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic (or question).")
    title: str | None = strawberry.field(default=None, description="New title.")
    body: str | None = strawberry.field(default=None, description="New Markdown body.")
    tags: list[str] | None = strawberry.field(default=None, description="New tags (replace the old ones).")


@strawberry.input(description="The topic to delete (soft delete).")
class DeleteTopicInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic.")


@strawberry.input(description="Pin or unpin a topic.")
class PinTopicInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic.")
    pinned: bool = strawberry.field(default=True, description="True pins, false unpins.")


@strawberry.input(description="Lock or unlock a topic.")
class LockTopicInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic.")
    locked: bool = strawberry.field(default=True, description="True locks (no new replies), false unlocks.")


@strawberry.input(description="Move a topic to another space.")
class MoveTopicInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic.")
    space_id: strawberry.ID = strawberry.field(description="The destination space.")


@strawberry.type(description="Result of a topic mutation.")
class TopicPayload(Payload):
    topic: Topic | None = strawberry.field(default=None, description="The topic.")


def topic_id(value: strawberry.ID, field: str = "topicId") -> int:
    return parse_id(value, "Topic", field)


@strawberry.type
class Query:
    @strawberry.field(description="Topics the viewer may see, in a space (with its child spaces) or everywhere.")
    async def topics(
        self,
        info: Info,
        space_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this space and its children.")
        ] = None,
        tag: Annotated[str | None, strawberry.argument(description="Only topics with this tag.")] = None,
        kind: Annotated[TopicKind | None, strawberry.argument(description="Only discussions or questions.")] = None,
        order_by: Annotated[TopicOrder, strawberry.argument(description="The order.")] = TopicOrder.HOT,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Topic]:
        space = parse_id(space_id, "Space", "spaceId") if space_id is not None else None
        query = await topic_list_query(info, space_id=space, tag=tag, kind=kind, order=order_by)
        page = await paginate(info, query, first=first, after=after, last=last, before=before)
        await loaders.prefetch(info, "Topic", page.items())
        return page

    @strawberry.field(description="Tags on topics the viewer may see, by name.")
    async def tags(
        self,
        info: Info,
        prefix: Annotated[str | None, strawberry.argument(description="Only tags starting so.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Tag]:
        query = (await visible(models.Tag, info.context.viewer, info.context.memo)).order_by("name")
        if prefix:
            query = query.filter(name__startswith=prefix.strip().lower())
        return await paginate(info, query, first=first, after=after, last=last, before=before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a discussion. Pre-moderation may hold it (status HELD).")
    @guard(Require.MEMBER)
    async def create_topic(
        self, info: Info, input: Annotated[CreateTopicInput, strawberry.argument(description="A new discussion.")]
    ) -> TopicPayload:
        topic = await domain.create_topic(
            info.context.viewer,
            domain.TopicInput(
                space_id=parse_id(input.space_id, "Space", "spaceId"),
                title=input.title,
                body=input.body,
                tags=list(input.tags),
            ),
            settings=info.context.settings,
        )
        return TopicPayload(topic=topic)

    @strawberry.mutation(description="Edit a topic (author, staff, or REPUTATION_TO_EDIT_OTHERS); history is kept.")
    @guard(Require.MEMBER)
    async def edit_topic(
        self,
        info: Info,
        input: Annotated[
            EditTopicInput,
            strawberry.argument(description="Changes to a topic; omitted fields stay. The previous version is kept."),
        ],
    ) -> TopicPayload:
        topic = await domain.edit_topic(
            info.context.viewer,
            domain.TopicChangesInput(
                topic_id=topic_id(input.topic_id),
                title=input.title,
                body=input.body,
                tags=list(input.tags) if input.tags is not None else None,
            ),
            settings=info.context.settings,
        )
        return TopicPayload(topic=topic)

    @strawberry.mutation(description="Delete a topic (author or staff).")
    @guard(Require.MEMBER)
    async def delete_topic(
        self,
        info: Info,
        input: Annotated[DeleteTopicInput, strawberry.argument(description="The topic to delete (soft delete).")],
    ) -> TopicPayload:
        return TopicPayload(topic=await domain.delete_topic(info.context.viewer, topic_id(input.topic_id)))

    @strawberry.mutation(description="Pin or unpin a topic (moderators).")
    @guard(Require.MODERATOR)
    async def pin_topic(
        self, info: Info, input: Annotated[PinTopicInput, strawberry.argument(description="Pin or unpin a topic.")]
    ) -> TopicPayload:
        return TopicPayload(
            topic=await domain.set_flags(info.context.viewer, topic_id(input.topic_id), pinned=input.pinned)
        )

    @strawberry.mutation(description="Lock or unlock a topic (moderators).")
    @guard(Require.MODERATOR)
    async def lock_topic(
        self, info: Info, input: Annotated[LockTopicInput, strawberry.argument(description="Lock or unlock a topic.")]
    ) -> TopicPayload:
        return TopicPayload(
            topic=await domain.set_flags(info.context.viewer, topic_id(input.topic_id), locked=input.locked)
        )

    @strawberry.mutation(description="Move a topic to another space (moderators).")
    @guard(Require.MODERATOR)
    async def move_topic(
        self,
        info: Info,
        input: Annotated[MoveTopicInput, strawberry.argument(description="Move a topic to another space.")],
    ) -> TopicPayload:
        return TopicPayload(
            topic=await domain.move_topic(
                info.context.viewer, topic_id(input.topic_id), parse_id(input.space_id, "Space", "spaceId")
            )
        )
