"""Live updates: `postAdded(topicId)` and `topicActivity(spaceId)`.

Events carry only ids; each is re-read and its visibility re-checked by the read policies for the
subscriber as they are at that event (see `schema.live`): spaces may change visibility and members
their role while a subscription is open."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from api.domain.forum import access
from api.domain.forum.announce import space_channel, topic_channel
from api.errors import DomainError
from api.models import forum as models
from api.policy import can_view
from schema.context import Info
from schema.errors import PublicError
from schema.forum.enums import TopicAction
from schema.forum.types import Post, Topic
from schema.live import events
from schema.relay import decode_global_id


@strawberry.type(description="Something happened to a topic of a watched space.")
class TopicActivity:
    action: TopicAction = strawberry.field(description="What happened.")
    topic: Topic = strawberry.field(description="The topic as it is now.")


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Posts published in a topic the viewer may see, as they arrive.")
    async def post_added(
        self,
        info: Info,
        topic_id: Annotated[strawberry.ID, strawberry.argument(description="The topic.")],
    ) -> AsyncGenerator[Post, None]:
        _, pk = decode_global_id(topic_id, "Topic")
        try:
            await access.visible_topic(info.context.viewer, pk, memo=info.context.memo)
        except DomainError:
            raise PublicError("No such topic.") from None
        async for message in events(info, topic_channel(pk)):
            post = await models.Post.filter(id=int(message["post_id"]), topic_id=pk).first()
            if post is not None and await can_view(info.context.viewer, post, info.context.memo):
                yield post  # type: ignore[misc]  # a Tortoise row stands for its ModelNode type

    @strawberry.subscription(description="Topics created, replied to or changed in a space (and its children).")
    async def topic_activity(
        self,
        info: Info,
        space_id: Annotated[strawberry.ID, strawberry.argument(description="The space.")],
    ) -> AsyncGenerator[TopicActivity, None]:
        _, pk = decode_global_id(space_id, "Space")
        if not (await access.space_index(info.context.memo)).can_view(info.context.viewer, pk):
            raise PublicError("No such space.")
        async for message in events(info, space_channel(pk)):
            try:
                topic = await models.Topic.filter(id=int(message["topic_id"])).first()
                action = TopicAction(message["action"])
            except (KeyError, ValueError, TypeError):
                continue
            viewer = info.context.viewer
            if topic is None or not (await access.space_index(info.context.memo)).can_view(viewer, pk):
                continue
            # A topic moved out stays reportable, but only if the viewer may still see it.
            if await can_view(viewer, topic, info.context.memo):
                yield TopicActivity(action=action, topic=topic)
