"""Post mutations (reply, edit, delete) and reactions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.forum import posts as domain
from api.domain.forum import reactions as reactions_domain
from api.errors import Invalid
from schema.accounts import Payload
from schema.context import Info
from schema.forum.types import Post, Topic
from schema.permissions import Require, guard
from schema.relay import decode_global_id, parse_id


@strawberry.input(description="A reply in a topic.")
class CreatePostInput:
    topic_id: strawberry.ID = strawberry.field(description="The topic.")
    body: str = strawberry.field(description="Markdown, 1 to MAX_BODY_LENGTH characters; `@name` mentions notify.")
    reply_to_id: strawberry.ID | None = strawberry.field(default=None, description="The post replied to (threading).")
    quote_id: strawberry.ID | None = strawberry.field(default=None, description="A post of the topic to quote.")


@strawberry.input(description="A new body for a post; the previous one is kept.")
class EditPostInput:
    post_id: strawberry.ID = strawberry.field(description="The post.")
    body: str = strawberry.field(description="New Markdown body.")


@strawberry.input(description="The post to delete; it keeps its place as deleted.")
class DeletePostInput:
    post_id: strawberry.ID = strawberry.field(description="The post.")


@strawberry.type(description="Result of a post mutation.")
class PostPayload(Payload):
    post: Post | None = strawberry.field(default=None, description="The post.")


@strawberry.input(description="A reaction on a topic or a post.")
class ReactInput:
    subject_id: strawberry.ID = strawberry.field(description="Global id of a Topic or a Post.")
    reaction: str = strawberry.field(description="One of the emoji of FORUM_REACTIONS.")


@strawberry.type(description="Result of `react` and `unreact`.")
class ReactPayload(Payload):
    changed: bool = strawberry.field(default=False, description="False when the reaction was already so.")
    topic: Topic | None = strawberry.field(default=None, description="The topic reacted to (or the post's topic).")
    post: Post | None = strawberry.field(default=None, description="The post reacted to, if a post.")


def subject_of(value: strawberry.ID) -> tuple[str, int]:
    """(type name, id) of a Topic or Post global id given as `subjectId`."""
    try:
        return decode_global_id(value, ("Topic", "Post"))
    except Exception as exc:  # noqa: BLE001 - a bad id is a field error
        raise Invalid(str(exc), field="subjectId") from None


async def _react_payload(subject_type: str, subject_id: int, changed: bool) -> ReactPayload:
    from api.models.forum import Post as PostModel
    from api.models.forum import Topic as TopicModel

    if subject_type == "Topic":
        return ReactPayload(changed=changed, topic=await TopicModel.get(id=subject_id))
    post = await PostModel.get(id=subject_id)
    return ReactPayload(changed=changed, post=post, topic=await TopicModel.get(id=post.topic_id))


def _optional(value: strawberry.ID | None, field: str) -> int | None:
    return parse_id(value, "Post", field) if value else None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Reply in a topic. Locked topics refuse replies (code LOCKED).")
    @guard(Require.MEMBER)
    async def create_post(
        self, info: Info, input: Annotated[CreatePostInput, strawberry.argument(description="A reply in a topic.")]
    ) -> PostPayload:
        post = await domain.create_post(
            info.context.viewer,
            domain.PostInput(
                topic_id=parse_id(input.topic_id, "Topic", "topicId"),
                body=input.body,
                reply_to_id=_optional(input.reply_to_id, "replyToId"),
                quote_id=_optional(input.quote_id, "quoteId"),
            ),
            settings=info.context.settings,
        )
        return PostPayload(post=post)

    @strawberry.mutation(description="Edit a post (author, staff, or REPUTATION_TO_EDIT_OTHERS); history is kept.")
    @guard(Require.MEMBER)
    async def edit_post(
        self,
        info: Info,
        input: Annotated[
            EditPostInput, strawberry.argument(description="A new body for a post; the previous one is kept.")
        ],
    ) -> PostPayload:
        post = await domain.edit_post(
            info.context.viewer, parse_id(input.post_id, "Post", "postId"), input.body, settings=info.context.settings
        )
        return PostPayload(post=post)

    @strawberry.mutation(description="Delete a post (author or staff); it keeps its place as deleted.")
    @guard(Require.MEMBER)
    async def delete_post(
        self,
        info: Info,
        input: Annotated[
            DeletePostInput, strawberry.argument(description="The post to delete; it keeps its place as deleted.")
        ],
    ) -> PostPayload:
        return PostPayload(
            post=await domain.delete_post(info.context.viewer, parse_id(input.post_id, "Post", "postId"))
        )

    @strawberry.mutation(description="React to a topic or post with one of the configured emoji.")
    @guard(Require.MEMBER)
    async def react(
        self,
        info: Info,
        input: Annotated[ReactInput, strawberry.argument(description="A reaction on a topic or a post.")],
    ) -> ReactPayload:
        subject_type, subject_id = subject_of(input.subject_id)
        changed = await reactions_domain.react(
            info.context.viewer, subject_type, subject_id, input.reaction, settings=info.context.settings
        )
        return await _react_payload(subject_type, subject_id, changed)

    @strawberry.mutation(description="Remove one of the viewer's reactions.")
    @guard(Require.MEMBER)
    async def unreact(
        self,
        info: Info,
        input: Annotated[ReactInput, strawberry.argument(description="A reaction on a topic or a post.")],
    ) -> ReactPayload:
        subject_type, subject_id = subject_of(input.subject_id)
        changed = await reactions_domain.unreact(info.context.viewer, subject_type, subject_id, input.reaction)
        return await _react_payload(subject_type, subject_id, changed)
