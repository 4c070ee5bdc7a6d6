"""Private conversations: queries, mutations and the `messageAdded` subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from api.domain.engagement import access
from api.domain.engagement import messages as domain
from api.models import engagement as models
from api.models.accounts import User as UserModel
from schema.accounts import Payload, User
from schema.context import Info
from schema.engagement.enums import INPUT
from schema.engagement.types import AutoReply, Conversation, Message
from schema.live import events, require_viewer
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, decode_global_id, paginate, parse_id


@strawberry.type(description="The viewer's private conversations.")
class Inbox:
    user_id: strawberry.Private[int]

    @strawberry.field(description="Conversations the viewer is in, most recent first.")
    async def conversations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Conversation]:
        query = models.Conversation.filter(members__user_id=self.user_id, members__left_at__isnull=True).order_by(
            "-last_message_at", "-id"
        )
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Unread messages across conversations.")
    async def unread_count(self) -> int:
        return await domain.total_unread(self.user_id)

    @strawberry.field(description="Members the viewer blocked.")
    async def blocked(self, info: Info) -> list[User]:
        ids = await models.Block.filter(blocker_id=self.user_id).order_by("id").values_list("blocked_id", flat=True)
        users = await info.context.loaders.by_id(UserModel).load_many(list(ids))
        return [u for u in users if u is not None]

    @strawberry.field(description="The viewer's away message, if set.")
    async def auto_reply(self) -> AutoReply | None:
        row = await models.AutoReply.filter(user_id=self.user_id).first()
        return AutoReply(body=row.body, enabled=row.enabled) if row else None


@strawberry.type
class Query:
    @strawberry.field(description="The viewer's conversations; null when anonymous.")
    def inbox(self, info: Info) -> Inbox | None:
        viewer = info.context.viewer
        return Inbox(user_id=viewer.id) if viewer else None


@strawberry.input(description="Write to one member or start a group.")
class StartConversationInput:
    user_ids: list[strawberry.ID] = strawberry.field(description="Global ids of the other members.")
    body: str = strawberry.field(description="The first message.")
    title: str = strawberry.field(default="", description="Title of a group conversation.")


@strawberry.type(description="Result of `startConversation`.")
class StartConversationPayload(Payload):
    conversation: Conversation | None = strawberry.field(default=None, description="The conversation.")
    message: Message | None = strawberry.field(default=None, description="The message sent.")


@strawberry.input(description="Send a message.")
class SendMessageInput:
    conversation_id: strawberry.ID = strawberry.field(description="Global id of the conversation.")
    body: str = strawberry.field(description="The text (at most MAX_MESSAGE_LENGTH characters).")


@strawberry.type(description="Result of `sendMessage`.")
class SendMessagePayload(Payload):
    message: Message | None = strawberry.field(default=None, description="The message sent.")


@strawberry.input(description="Refer to a conversation.")
class ConversationRefInput:
    conversation_id: strawberry.ID = strawberry.field(description="Global id of the conversation.")


@strawberry.type(description="Result of `markConversationRead` and `leaveConversation`.")
class ConversationPayload(Payload):
    conversation: Conversation | None = strawberry.field(
        default=None, description="The conversation (null after leaving)."
    )
    unread_count: int = strawberry.field(default=0, description="The viewer's unread messages left overall.")


@strawberry.input(description="Refer to a member to block or unblock.")
class BlockMemberInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the member.")


@strawberry.type(description="Result of `blockMember` and `unblockMember`.")
class BlockMemberPayload(Payload):
    user: User | None = strawberry.field(default=None, description="The member.")
    blocked: bool = strawberry.field(default=False, description="Whether the viewer now blocks them.")


@strawberry.input(description="Set the viewer's away message.")
class SetAutoReplyInput:
    enabled: bool = strawberry.field(description="Turn it on or off.")
    body: str | None = strawberry.field(default=None, description="The message; omit to keep the current one.")


@strawberry.type(description="Result of `setAutoReply`.")
class SetAutoReplyPayload(Payload):
    auto_reply: AutoReply | None = strawberry.field(default=None, description="The away message.")


def _conversation_id(value: strawberry.ID) -> int:
    return parse_id(value, "Conversation", "conversationId")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Write to a member (their one-to-one conversation) or start a group.")
    @guard(Require.MEMBER)
    async def start_conversation(
        self,
        info: Info,
        input: Annotated[StartConversationInput, strawberry.argument(description=INPUT)],
    ) -> StartConversationPayload:
        conversation, message = await domain.start_conversation(
            info.context.viewer,
            [parse_id(u, "User", "userIds") for u in input.user_ids],
            input.body,
            input.title,
            settings=info.context.settings,
        )
        return StartConversationPayload(conversation=conversation, message=message)

    @strawberry.mutation(description="Send a message in a conversation the viewer is in.")
    @guard(Require.MEMBER)
    async def send_message(
        self,
        info: Info,
        input: Annotated[SendMessageInput, strawberry.argument(description=INPUT)],
    ) -> SendMessagePayload:
        message = await domain.send_message(
            info.context.viewer, _conversation_id(input.conversation_id), input.body, settings=info.context.settings
        )
        return SendMessagePayload(message=message)

    @strawberry.mutation(description="Mark every message of a conversation read.")
    @guard(Require.SIGNED_IN)
    async def mark_conversation_read(
        self,
        info: Info,
        input: Annotated[ConversationRefInput, strawberry.argument(description=INPUT)],
    ) -> ConversationPayload:
        viewer = info.context.member
        member = await domain.mark_read(viewer, _conversation_id(input.conversation_id))
        return ConversationPayload(
            conversation=await models.Conversation.get(id=member.conversation_id),
            unread_count=await domain.total_unread(viewer.id),
        )

    @strawberry.mutation(description="Leave a conversation (its messages stay for the others).")
    @guard(Require.SIGNED_IN)
    async def leave_conversation(
        self,
        info: Info,
        input: Annotated[ConversationRefInput, strawberry.argument(description=INPUT)],
    ) -> ConversationPayload:
        viewer = info.context.member
        await domain.leave(viewer, _conversation_id(input.conversation_id))
        return ConversationPayload(unread_count=await domain.total_unread(viewer.id))

    # Blocking is self-protection: muted members may do it too.
    @strawberry.mutation(description="Block a member: no conversation or one-to-one message either way.")
    @guard(Require.SIGNED_IN)
    async def block_member(
        self,
        info: Info,
        input: Annotated[BlockMemberInput, strawberry.argument(description=INPUT)],
    ) -> BlockMemberPayload:
        user_id = parse_id(input.user_id, "User", "userId")
        await domain.block(info.context.viewer, user_id)
        return BlockMemberPayload(user=await UserModel.get(id=user_id), blocked=True)

    @strawberry.mutation(description="Unblock a member.")
    @guard(Require.SIGNED_IN)
    async def unblock_member(
        self,
        info: Info,
        input: Annotated[BlockMemberInput, strawberry.argument(description=INPUT)],
    ) -> BlockMemberPayload:
        user_id = parse_id(input.user_id, "User", "userId")
        await domain.unblock(info.context.viewer, user_id)
        return BlockMemberPayload(user=await UserModel.filter(id=user_id).first(), blocked=False)

    @strawberry.mutation(description="Set the viewer's away message, sent once per conversation per day.")
    @guard(Require.MEMBER)
    async def set_auto_reply(
        self,
        info: Info,
        input: Annotated[SetAutoReplyInput, strawberry.argument(description=INPUT)],
    ) -> SetAutoReplyPayload:
        row = await domain.set_auto_reply(
            info.context.viewer, input.body, input.enabled, settings=info.context.settings
        )
        return SetAutoReplyPayload(auto_reply=AutoReply(body=row.body, enabled=row.enabled) if row else None)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="New messages in the viewer's conversations (or in one of them).")
    async def message_added(
        self,
        info: Info,
        conversation_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this conversation.")
        ] = None,
    ) -> AsyncGenerator[Message, None]:
        viewer = require_viewer(info)
        only = decode_global_id(conversation_id, "Conversation")[1] if conversation_id else None
        async for event in events(info, domain.channel_for(viewer.id)):
            message = await models.Message.filter(id=event["id"]).first()
            if message is None or (only is not None and message.conversation_id != only):
                continue
            # The one rule of who may see a message (the viewer may have left since subscribing).
            if await access.can_view_message(info.context.viewer, message):
                yield message  # type: ignore[misc]  # a Tortoise row stands for its ModelNode type
