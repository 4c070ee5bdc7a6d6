"""Private conversations: one-to-one (one per pair) and small groups, unread counts, blocks,
leaving, away messages (auto-replies) sent once per conversation per day.

Blocks: nobody can start a conversation with, add, or message one-to-one a member who blocked
them or whom they blocked. Group conversations already under way are unaffected.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from api.db import column, fetch_all
from api.domain.content import ContentRef, ContentType, gate
from api.domain.content.events import Submission
from api.domain.engagement.common import clean_line, clean_text, community_day
from api.domain.notifications import notify_many
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models.accounts import User
from api.models.engagement import (
    AutoReply,
    AutoReplySent,
    Block,
    Conversation,
    ConversationMember,
    Message,
)
from api.pubsub import publish
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction


def channel_for(user_id: int) -> str:
    return f"messages:{user_id}"


def _pair_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


async def blocked_between(user_id: int, other_ids: list[int]) -> set[int]:
    """The ids among `other_ids` that blocked `user_id` or that `user_id` blocked."""
    rows = await column(Block.filter(blocker_id=user_id, blocked_id__in=other_ids), "blocked_id")
    rows2 = await column(Block.filter(blocked_id=user_id, blocker_id__in=other_ids), "blocker_id")
    return set(rows) | set(rows2)


async def membership(user_id: int, conversation_id: int) -> ConversationMember:
    member = await ConversationMember.filter(
        conversation_id=conversation_id, user_id=user_id, left_at__isnull=True
    ).first()
    if member is None:
        raise NotFound("No such conversation.", field="conversationId")
    return member


async def start_conversation(
    user: User, user_ids: list[int], body: str, title: str = "", *, settings: Settings
) -> tuple[Conversation, Message]:
    """Write to one member (reusing the pair's conversation) or to a small group."""
    others = sorted(set(user_ids) - {user.id})
    if not others:
        raise Invalid("Choose at least one other member.", field="userIds")
    if len(others) + 1 > settings.max_conversation_members:
        raise Invalid(f"A conversation has at most {settings.max_conversation_members} members.", field="userIds")
    body = clean_text(body, "body", settings.max_message_length)
    title = clean_line(title, "title", settings.max_title_length, required=False)
    if await User.filter(id__in=others).count() != len(others):
        raise NotFound("Some of these members do not exist.", field="userIds")
    if await blocked_between(user.id, others):
        raise Forbidden("You cannot write to a member who blocked you or whom you blocked.", field="userIds")
    verdict = await _gate(user, {"body": body, "title": title}, others, settings)
    title = verdict.text("title", title)
    if len(others) == 1:
        key = _pair_key(user.id, others[0])
        conversation = await Conversation.filter(pair_key=key).first()
        if conversation is None:
            try:
                async with transaction():
                    conversation = await Conversation.create(pair_key=key, created_by_id=user.id)
                    await ConversationMember.bulk_create(
                        [ConversationMember(conversation_id=conversation.id, user_id=i) for i in (user.id, others[0])]
                    )
            except IntegrityError:  # both wrote first at once
                conversation = await Conversation.get(pair_key=key)
        else:  # whoever left comes back
            await ConversationMember.filter(conversation_id=conversation.id).update(left_at=None)
    else:
        async with transaction():
            conversation = await Conversation.create(is_group=True, title=title, created_by_id=user.id)
            await ConversationMember.bulk_create(
                [ConversationMember(conversation_id=conversation.id, user_id=i) for i in [user.id, *others]]
            )
    message = await _deliver(user, conversation, verdict.text("body", body), others, settings=settings)
    await gate.announce(verdict, "Message", message.id, user.id)
    return conversation, message


async def _gate(user: User, texts: dict[str, str], recipients: list[int], settings: Settings) -> gate.Verdict:
    return await gate.check(
        Submission(
            author=user,
            content_type="Message",
            texts=texts,
            recipients=tuple(recipients),
            **gate.measure(texts["body"]),
        ),
        settings,
    )


async def send_message(
    user: User, conversation_id: int, body: str, *, at: datetime | None = None, settings: Settings
) -> Message:
    body = clean_text(body, "body", settings.max_message_length)
    await membership(user.id, conversation_id)
    conversation = await Conversation.get(id=conversation_id)
    members = await ConversationMember.filter(conversation_id=conversation_id, left_at__isnull=True)
    others = [m.user_id for m in members if m.user_id != user.id]
    if not conversation.is_group:
        if not others:
            raise Conflict("The other member left this conversation.", field="conversationId")
        if await blocked_between(user.id, others):
            raise Forbidden("You cannot write to a member who blocked you or whom you blocked.", field="conversationId")
    verdict = await _gate(user, {"body": body}, others, settings)
    message = await _deliver(user, conversation, verdict.text("body", body), others, at=at, settings=settings)
    await gate.announce(verdict, "Message", message.id, user.id)
    return message


async def _deliver(
    user: User,
    conversation: Conversation,
    body: str,
    recipients: list[int],
    *,
    at: datetime | None = None,
    settings: Settings,
) -> Message:
    message = await _post(conversation, user.id, body, at=at, author=user)
    await _auto_replies(conversation, settings, sender_id=user.id, recipients=recipients, at=at)
    return message


async def _post(
    conversation: Conversation,
    sender_id: int,
    body: str,
    *,
    auto: bool = False,
    at: datetime | None = None,
    author: User | None = None,
) -> Message:
    """Store a message; one a member wrote (`author`, not an away message) notifies the others."""
    async with transaction():
        message = await Message.create(
            conversation_id=conversation.id, sender_id=sender_id, body=body, is_auto_reply=auto
        )
        if author is not None:
            await _notify_others(conversation, message, author)
        await Conversation.filter(id=conversation.id).update(last_message_at=at or now())
        # The sender has read everything up to their own message.
        await ConversationMember.filter(conversation_id=conversation.id, user_id=sender_id).update(
            last_read_message_id=message.id
        )
    recipients = await column(
        ConversationMember.filter(conversation_id=conversation.id, left_at__isnull=True), "user_id"
    )
    for user_id in recipients:
        await publish(channel_for(user_id), {"id": message.id})
    return message


async def _notify_others(conversation: Conversation, message: Message, author: User) -> None:
    """An `engagement.message` notification (mailed at once by default, answerable by mail) for
    each member still in the conversation but the author, except those who blocked the author."""
    others = await column(
        ConversationMember.filter(conversation_id=conversation.id, left_at__isnull=True).exclude(user_id=author.id),
        "user_id",
    )
    if not others:
        return
    blocking = set(await column(Block.filter(blocker_id__in=others, blocked_id=author.id), "blocker_id"))
    where = f" in “{conversation.title}”" if conversation.is_group and conversation.title else ""
    text = f"{author.display_name} (@{author.username}) wrote to you{where}:\n\n{message.body}"
    await notify_many(
        [i for i in others if i not in blocking],
        "engagement.message",
        actor_id=author.id,
        subject_type="Message",
        subject_id=message.id,
        message=text,
        data={"conversation_id": conversation.id},
    )


async def _auto_replies(
    conversation: Conversation, settings: Settings, *, sender_id: int, recipients: list[int], at: datetime | None
) -> None:
    """Away messages of the recipients, each at most once per conversation per community day.
    The unique (conversation, member, day) row is the claim, so concurrent sends reply once."""
    if not recipients:
        return
    day = community_day(settings, at)
    for reply in await AutoReply.filter(user_id__in=recipients, enabled=True).order_by("user_id"):
        try:
            await AutoReplySent.create(conversation_id=conversation.id, user_id=reply.user_id, day=day)
        except IntegrityError:
            continue
        await _post(conversation, reply.user_id, reply.body, auto=True, at=at)


async def mark_read(user: User, conversation_id: int) -> ConversationMember:
    member = await membership(user.id, conversation_id)
    last = await Message.filter(conversation_id=conversation_id).order_by("-id").first()
    if last is not None and last.id > member.last_read_message_id:
        member.last_read_message_id = last.id
        await member.save(update_fields=["last_read_message_id"])
    return member


async def leave(user: User, conversation_id: int) -> ConversationMember:
    """Leave a conversation: its messages stay; a one-to-one comes back on the next message."""
    member = await membership(user.id, conversation_id)
    member.left_at = now()
    await member.save(update_fields=["left_at"])
    return member


async def block(user: User, blocked_id: int) -> Block:
    if blocked_id == user.id:
        raise Invalid("You cannot block yourself.", field="userId")
    if not await User.filter(id=blocked_id).exists():
        raise NotFound("No such member.", field="userId")
    existing = await Block.filter(blocker_id=user.id, blocked_id=blocked_id).first()
    if existing is not None:
        return existing
    try:
        return await Block.create(blocker_id=user.id, blocked_id=blocked_id)
    except IntegrityError:
        return await Block.get(blocker_id=user.id, blocked_id=blocked_id)


async def unblock(user: User, blocked_id: int) -> int:
    return await Block.filter(blocker_id=user.id, blocked_id=blocked_id).delete()


async def set_auto_reply(user: User, body: str | None, enabled: bool, *, settings: Settings) -> AutoReply | None:
    """Set (or, with enabled false, pause) the member's away message."""
    existing = await AutoReply.filter(user_id=user.id).first()
    if body is not None:
        body = clean_text(body, "body", settings.max_message_length)
        verdict = await gate.check(
            Submission(author=user, content_type="AutoReply", texts={"body": body}, **gate.measure(body)), settings
        )
        body = verdict.text("body", body)
    if existing is None:
        if body is None:
            if enabled:
                raise Invalid("Write the away message.", field="body")
            return None
        return await AutoReply.create(user_id=user.id, body=body, enabled=enabled)
    existing.enabled = enabled
    if body is not None:
        existing.body = body
    await existing.save()
    return existing


async def unread_counts(user_id: int, conversation_ids: list[int]) -> list[int]:
    """Messages from others after the member's read mark, per conversation (one query)."""
    if not conversation_ids:
        return []
    marks = ", ".join("?" for _ in conversation_ids)
    rows = await fetch_all(
        "SELECT cm.conversation_id AS cid, COUNT(m.id) AS n FROM engagement_conversation_members cm "
        "JOIN engagement_messages m ON m.conversation_id = cm.conversation_id "
        "AND m.id > cm.last_read_message_id AND (m.sender_id IS NULL OR m.sender_id <> cm.user_id) "
        "AND m.hidden = ? AND m.deleted = ? "
        f"WHERE cm.user_id = ? AND cm.conversation_id IN ({marks}) GROUP BY cm.conversation_id",
        [False, False, user_id, *conversation_ids],
    )
    counts = {r["cid"]: int(r["n"]) for r in rows}
    return [counts.get(c, 0) for c in conversation_ids]


async def total_unread(user_id: int) -> int:
    rows = await fetch_all(
        "SELECT COUNT(m.id) AS n FROM engagement_conversation_members cm "
        "JOIN engagement_messages m ON m.conversation_id = cm.conversation_id "
        "AND m.id > cm.last_read_message_id AND (m.sender_id IS NULL OR m.sender_id <> cm.user_id) "
        "AND m.hidden = ? AND m.deleted = ? WHERE cm.user_id = ? AND cm.left_at IS NULL",
        [False, False, user_id],
    )
    return int(rows[0]["n"])


# --- Moderation: messages can be reported, hidden and deleted -----------------------------------


async def _load(ids: list[int]) -> dict[int, ContentRef]:
    return {
        m.id: ContentRef(
            content_type="Message",
            id=m.id,
            author_id=m.sender_id,
            title=m.body[:80],
            text=m.body,
            hidden=m.hidden,
            deleted=m.deleted,
        )
        for m in await Message.filter(id__in=ids)
    }


async def _hide(message_id: int, _moderator_id: int | None) -> None:
    await Message.filter(id=message_id).update(hidden=True)


async def _unhide(message_id: int, _moderator_id: int | None) -> None:
    await Message.filter(id=message_id).update(hidden=False)


async def _delete(message_id: int, _moderator_id: int | None) -> None:
    await Message.filter(id=message_id).update(deleted=True)  # soft: the thread keeps its shape


async def _can_see(viewer: User | None, message_id: int) -> bool:
    """Members of the conversation (also those who left: they received it)."""
    if viewer is None:
        return False
    message = await Message.filter(id=message_id).first()
    return (
        message is not None
        and await ConversationMember.filter(conversation_id=message.conversation_id, user_id=viewer.id).exists()
    )


async def _sent_by(user_id: int) -> list[int]:
    return list(await column(Message.filter(sender_id=user_id, deleted=False), "id"))


MESSAGE = ContentType(
    name="Message", load=_load, hide=_hide, unhide=_unhide, delete=_delete, can_see=_can_see, authored=_sent_by
)
