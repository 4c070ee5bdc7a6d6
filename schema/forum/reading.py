"""Read state, bookmarks and topic subscriptions of the viewer."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.expressions import Subquery

from api.domain.forum import reading as domain
from api.models import forum as models
from api.policy import visible
from schema.accounts import Payload
from schema.context import Info
from schema.forum.enums import SubscriptionLevel
from schema.forum.types import Space, Topic
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, paginate, parse_id


@strawberry.input(description="Mark a topic read.")
class MarkTopicReadInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic.")
    position: int | None = strawberry.field(default=None, description="Read up to this post position; omit for all.")
    seconds_read: int = strawberry.field(
        default=0, description="Seconds spent reading since the last report (at most 300 count; trust levels use it)."
    )


@strawberry.input(description="Bookmark or un-bookmark a topic.")
class SetBookmarkInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic.")
    bookmarked: bool = strawberry.field(default=True, description="True adds the bookmark, false removes it.")


@strawberry.input(description="Follow a topic.")
class SetTopicSubscriptionInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic.")
    level: SubscriptionLevel | None = strawberry.field(
        default=None, description="WATCH, MUTE, or null for the default."
    )


@strawberry.input(description="Watch or mute a whole space.")
class SetSpaceSubscriptionInput:
    space_id: strawberry.ID = strawberry.field(description="The space.")
    level: SubscriptionLevel | None = strawberry.field(
        default=None,
        description="WATCH (every new topic and reply notifies you), MUTE (only mentions do), or null for the default.",
    )


@strawberry.type(description="Result of `setSpaceSubscription`.")
class SetSpaceSubscriptionPayload(Payload):
    space: Space | None = strawberry.field(default=None, description="The space.")


@strawberry.type(description="Result of a reading mutation.")
class ReadingPayload(Payload):
    topic: Topic | None = strawberry.field(default=None, description="The topic, with the viewer's state.")


@strawberry.type
class Query:
    @strawberry.field(description="The viewer's bookmarked topics, newest bookmark first (empty when anonymous).")
    async def bookmarked_topics(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Topic]:
        viewer = info.context.viewer
        topics = await visible(models.Topic, viewer, info.context.memo)
        # Paged by the bookmark (its time and id are the cursor), shown as its topic.
        query = models.Bookmark.filter(
            user_id=viewer.id if viewer else 0, topic_id__in=Subquery(topics.values("id"))
        ).select_related("topic")
        page = await paginate(
            info, query.order_by("-created_at", "-id"), first=first, after=after, last=last, before=before, prime=False
        )
        page.map_items(lambda row: row.topic)
        info.context.loaders.prime(models.Topic, page.items())
        return page


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Record how far the viewer has read a topic.")
    @guard(Require.SIGNED_IN)
    async def mark_topic_read(
        self, info: Info, input: Annotated[MarkTopicReadInput, strawberry.argument(description="Mark a topic read.")]
    ) -> ReadingPayload:
        topic_id = parse_id(input.topic_id, "Topic", "topicId")
        await domain.mark_read(info.context.viewer, topic_id, input.position, input.seconds_read)
        return ReadingPayload(topic=await models.Topic.get(id=topic_id))

    @strawberry.mutation(description="Bookmark or un-bookmark a topic.")
    @guard(Require.SIGNED_IN)
    async def set_bookmark(
        self,
        info: Info,
        input: Annotated[SetBookmarkInput, strawberry.argument(description="Bookmark or un-bookmark a topic.")],
    ) -> ReadingPayload:
        topic = await domain.set_bookmark(
            info.context.viewer, parse_id(input.topic_id, "Topic", "topicId"), input.bookmarked
        )
        return ReadingPayload(topic=topic)

    @strawberry.mutation(description="Watch or mute a whole space (or return to the default).")
    @guard(Require.SIGNED_IN)
    async def set_space_subscription(
        self,
        info: Info,
        input: Annotated[SetSpaceSubscriptionInput, strawberry.argument(description="The space and the level.")],
    ) -> SetSpaceSubscriptionPayload:
        level = models.SubscriptionLevel(input.level) if input.level is not None else None
        space = await domain.set_space_subscription(
            info.context.viewer, parse_id(input.space_id, "Space", "spaceId"), level
        )
        return SetSpaceSubscriptionPayload(space=space)

    @strawberry.mutation(description="Watch or mute a topic (or return to the default).")
    @guard(Require.SIGNED_IN)
    async def set_topic_subscription(
        self,
        info: Info,
        input: Annotated[SetTopicSubscriptionInput, strawberry.argument(description="Follow a topic.")],
    ) -> ReadingPayload:
        level = models.SubscriptionLevel(input.level) if input.level is not None else None
        topic = await domain.set_subscription(info.context.viewer, parse_id(input.topic_id, "Topic", "topicId"), level)
        return ReadingPayload(topic=topic)
