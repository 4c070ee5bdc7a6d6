"""Builders shared by the forum tests (domain and schema)."""

from __future__ import annotations

from api.domain.forum import posts, spaces, topics
from api.models.accounts import Role, Visibility
from api.models.forum import PostingPolicy, TopicKind


async def make_space(
    admin,
    name: str = "General",
    *,
    visibility: Visibility = Visibility.PUBLIC,
    roles: list[Role] | None = None,
    policy: PostingPolicy = PostingPolicy.ANYONE,
    parent=None,
):
    return await spaces.create_space(
        admin,
        spaces.SpaceInput(
            name=name,
            visibility=visibility,
            allowed_roles=roles,
            posting_policy=policy,
            parent_id=parent.id if parent is not None else None,
        ),
    )


async def make_topic(
    author,
    space,
    settings,
    title: str = "Hello there",
    body: str = "First post",
    tags: list[str] | None = None,
    kind: TopicKind = TopicKind.DISCUSSION,
):
    return await topics.create_topic(
        author,
        topics.TopicInput(space_id=space.id, title=title, body=body, tags=tags or [], kind=kind),
        settings=settings,
    )


async def make_post(author, topic, settings, body: str = "A reply", **kw):
    return await posts.create_post(
        author,
        posts.PostInput(topic_id=topic.id, body=body, **kw),
        settings=settings,
        answer=topic.kind == TopicKind.QUESTION,
    )
