"""Live updates: `postAdded(topicId)` and `topicActivity(spaceId)`.

Events carry only ids; each is re-read and its visibility re-checked for this subscriber
(spaces may change visibility while a subscription is open). Subscriptions listen on the app's
own broker (in-process, or Redis when REDIS_URL is set, so events published by any app process
arrive)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from api.domain.forum import access
from api.domain.forum.announce import space_channel, topic_channel
from api.errors import DomainError
from api.models import forum as models
from schema.context import Info
from schema.errors import PublicError
from schema.forum.enums import TopicAction
from schema.forum.types import Post, Topic
from schema.loaders import Loaders
from schema.relay import decode_global_id


@strawberry.type(description="Something happened to a topic of a watched space.")
class TopicActivity:
    action: TopicAction = strawberry.field(description="What happened.")
    topic: Topic = strawberry.field(description="The topic as it is now.")


def _fresh(info: Info) -> None:
    # One subscription serves many events: per-event reads must not come from stale caches.
    info.context.loaders = Loaders()
    info.context.memo.clear()


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Posts published in a topic the viewer may see, as they arrive.")
    async def post_added(
        self, info: Info, topic_id: Annotated[strawberry.ID, strawberry.argument(description="The topic.")],
    ) -> AsyncGenerator[Post, None]:
        _, pk = decode_global_id(topic_id, "Topic")
        viewer = info.context.viewer
        try:
            await access.visible_topic(viewer, pk)
        except DomainError:
            raise PublicError("No such topic.") from None
        async with info.context.broker.subscribe(topic_channel(pk)) as messages:
            async for message in messages:
                try:
                    post, topic, _ = await access.visible_post(viewer, int(message["post_id"]))
                except (DomainError, KeyError, ValueError, TypeError):
                    continue  # no longer visible to this subscriber
                if topic.id != pk:
                    continue
                _fresh(info)
                yield post

    @strawberry.subscription(description="Topics created, replied to or changed in a space (and its children).")
    async def topic_activity(
        self, info: Info, space_id: Annotated[strawberry.ID, strawberry.argument(description="The space.")],
    ) -> AsyncGenerator[TopicActivity, None]:
        _, pk = decode_global_id(space_id, "Space")
        viewer = info.context.viewer
        if not (await access.space_index()).can_view(viewer, pk):
            raise PublicError("No such space.")
        async with info.context.broker.subscribe(space_channel(pk)) as messages:
            async for message in messages:
                try:
                    topic = await models.Topic.filter(id=int(message["topic_id"])).first()
                    action = TopicAction(message["action"])
                except (KeyError, ValueError, TypeError):
                    continue
                spaces = await access.space_index()
                if topic is None or not spaces.can_view(viewer, pk):
                    continue
                # A topic moved out stays reportable, but only if the viewer may still see it.
                if not access.can_view_topic(viewer, topic, spaces):
                    continue
                _fresh(info)
                yield TopicActivity(action=action, topic=topic)
