"""Types of private conversations and messages."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from api.db import fetch_all
from api.domain.engagement import messages as messages_domain
from api.models import engagement as models
from api.models.accounts import User as UserModel
from schema.accounts import User
from schema.context import Info
from schema.engagement.access import load_user
from schema.relay import After, Before, Connection, First, Last, ModelNode, paginate


@strawberry.type(description="A private conversation, one-to-one or a small group.")
class Conversation(ModelNode):
    model = models.Conversation

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title of a group conversation (empty for one-to-one).")
    is_group: bool = strawberry.field(description="A group rather than a one-to-one conversation.")
    created_at: datetime = strawberry.field(description="When it started.")
    last_message_at: datetime | None = strawberry.field(description="When the last message was sent.")

    @strawberry.field(description="Current members.")
    @staticmethod
    async def members(root: strawberry.Parent[models.Conversation], info: Info) -> list[User]:
        async def batch(conversation_ids: list[int]) -> list[list]:
            rows = (
                await models.ConversationMember.filter(conversation_id__in=set(conversation_ids), left_at__isnull=True)
                .select_related("user")
                .order_by("id")
            )
            info.context.loaders.prime(UserModel, [r.user for r in rows])
            grouped: dict[int, list] = {}
            for row in rows:
                grouped.setdefault(row.conversation_id, []).append(row.user)
            return [grouped.get(i, []) for i in conversation_ids]

        return await info.context.loaders.custom("engagement.members", batch).load(root.id)

    @strawberry.field(description="Messages the viewer has not read.")
    @staticmethod
    async def unread_count(root: strawberry.Parent[models.Conversation], info: Info) -> int:
        viewer = info.context.member

        async def batch(ids: list[int]) -> list[int]:
            return await messages_domain.unread_counts(viewer.id, ids)

        return await info.context.loaders.custom("engagement.unread", batch).load(root.id)

    @strawberry.field(description="The newest message.")
    @staticmethod
    async def last_message(root: strawberry.Parent[models.Conversation], info: Info) -> Message | None:
        async def batch(conversation_ids: list[int]) -> list:
            messages = await _last_messages(conversation_ids)
            # Senders come with the messages, so `sender` costs no query of its own.
            info.context.loaders.prime(UserModel, [m.sender for m in messages if m is not None and m.sender])
            return messages

        return await info.context.loaders.custom("engagement.last_message", batch).load(root.id)

    @strawberry.field(description="Messages, newest first (for one conversation at a time).")
    @staticmethod
    async def messages(
        root: strawberry.Parent[models.Conversation],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Message]:
        query = models.Message.filter(conversation_id=root.id, deleted=False).order_by("-id")
        return await paginate(info, query, first=first, after=after, last=last, before=before)


async def _last_messages(conversation_ids: list[int]) -> list:
    marks = ", ".join("?" for _ in conversation_ids)
    rows = await fetch_all(
        f"SELECT MAX(id) AS id FROM engagement_messages WHERE conversation_id IN ({marks}) AND deleted = ? "
        "GROUP BY conversation_id",
        [*conversation_ids, False],
    )
    messages = {
        m.conversation_id: m
        for m in await models.Message.filter(id__in=[r["id"] for r in rows]).select_related("sender")
    }
    return [messages.get(i) for i in conversation_ids]


@strawberry.type(description="A private message.")
class Message(ModelNode):
    model = models.Message

    id: relay.NodeID[int]
    is_auto_reply: bool = strawberry.field(description="Sent automatically as the sender's away message.")
    hidden: bool = strawberry.field(description="Hidden by a moderator (its text is withheld).")
    created_at: datetime = strawberry.field(description="When it was sent.")

    @strawberry.field(description="The text (empty when hidden by a moderator).")
    @staticmethod
    def body(root: strawberry.Parent[models.Message]) -> str:
        return "" if root.hidden else root.body

    @strawberry.field(description="The sender.")
    @staticmethod
    async def sender(root: strawberry.Parent[models.Message], info: Info) -> User | None:
        return await load_user(info, root.sender_id)

    @strawberry.field(description="The conversation.")
    @staticmethod
    async def conversation(root: strawberry.Parent[models.Message], info: Info) -> Conversation:
        return await info.context.loaders.by_id(models.Conversation).load(root.conversation_id)


@strawberry.type(description="The viewer's away message.")
class AutoReply:
    body: str = strawberry.field(description="Sent once per conversation per day when someone writes.")
    enabled: bool = strawberry.field(description="Whether it is on.")
