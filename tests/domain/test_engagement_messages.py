"""Private messages: one-to-one and groups, unread counts, blocks, leaving, auto-replies once
per conversation per day, and moderation through the content registry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.domain import content
from api.domain.engagement import messages
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models.engagement import Conversation, Message


async def test_one_to_one_is_one_conversation_per_pair_with_unread_counts(app_settings, factory):
    alice, bob = await factory.user(), await factory.user()
    first, _ = await messages.start_conversation(alice, [bob.id], "Hi Bob", settings=app_settings)
    again, _ = await messages.start_conversation(bob, [alice.id], "Hi Alice", settings=app_settings)
    assert first.id == again.id and not first.is_group
    assert await messages.unread_counts(alice.id, [first.id]) == [1]
    # Writing in a conversation marks it read up to one's own message.
    await messages.send_message(alice, first.id, "How are you?", settings=app_settings)
    await messages.send_message(alice, first.id, "Coffee?", settings=app_settings)
    assert await messages.unread_counts(bob.id, [first.id]) == [2]
    assert await messages.unread_counts(alice.id, [first.id]) == [0]
    assert await messages.total_unread(bob.id) == 2
    await messages.mark_read(bob, first.id)
    assert await messages.total_unread(bob.id) == 0
    with pytest.raises(Invalid):
        await messages.send_message(alice, first.id, "   ", settings=app_settings)
    with pytest.raises(Invalid):
        await messages.send_message(alice, first.id, "x" * (app_settings.max_message_length + 1), settings=app_settings)
    outsider = await factory.user()
    with pytest.raises(NotFound):
        await messages.send_message(outsider, first.id, "Let me in", settings=app_settings)


async def test_blocked_members_cannot_message_either_way(app_settings, factory):
    alice, bob, carol = await factory.user(), await factory.user(), await factory.user()
    conversation, _ = await messages.start_conversation(alice, [bob.id], "Hello", settings=app_settings)
    await messages.block(bob, alice.id)
    before = await Message.all().count()
    with pytest.raises(Forbidden):
        await messages.send_message(alice, conversation.id, "Are you there?", settings=app_settings)
    with pytest.raises(Forbidden):
        await messages.send_message(bob, conversation.id, "Go away", settings=app_settings)
    with pytest.raises(Forbidden):
        await messages.start_conversation(alice, [bob.id, carol.id], "Group with Bob", settings=app_settings)
    assert await Message.all().count() == before
    await messages.unblock(bob, alice.id)
    await messages.send_message(alice, conversation.id, "Friends again?", settings=app_settings)
    with pytest.raises(Invalid):
        await messages.block(alice, alice.id)


async def test_groups_leaving_and_size_limit(app_settings, factory):
    settings = app_settings.replace(max_conversation_members=3)
    a, b, c, d = [await factory.user() for _ in range(4)]
    group, _ = await messages.start_conversation(a, [b.id, c.id], "Plans", title="Trip", settings=settings)
    assert group.is_group and group.title == "Trip"
    with pytest.raises(Invalid):
        await messages.start_conversation(a, [b.id, c.id, d.id], "Too many", settings=settings)
    await messages.leave(c, group.id)
    await messages.send_message(a, group.id, "c left", settings=settings)
    with pytest.raises(NotFound):
        await messages.send_message(c, group.id, "back?", settings=settings)
    assert await messages.unread_counts(b.id, [group.id]) == [2]
    # Leaving a one-to-one: the other member cannot write until the leaver writes again.
    pair, _ = await messages.start_conversation(a, [d.id], "Hi d", settings=settings)
    await messages.leave(d, pair.id)
    with pytest.raises(Conflict):
        await messages.send_message(a, pair.id, "Hello?", settings=settings)
    await messages.start_conversation(d, [a.id], "Sorry, back", settings=settings)
    await messages.send_message(a, pair.id, "Welcome back", settings=settings)


async def test_auto_reply_is_sent_once_per_conversation_per_day(app_settings, factory):
    alice, bob, carol = await factory.user(), await factory.user(), await factory.user()
    await messages.set_auto_reply(bob, "On holiday until Monday.", True, settings=app_settings)
    day1 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    conversation, _ = await messages.start_conversation(alice, [bob.id], "Question", settings=app_settings)
    await messages.send_message(alice, conversation.id, "Another one", at=day1, settings=app_settings)
    await messages.send_message(alice, conversation.id, "And another", at=day1, settings=app_settings)
    autos = await Message.filter(conversation_id=conversation.id, is_auto_reply=True).count()
    await messages.send_message(
        alice, conversation.id, "Next day", at=datetime(2026, 3, 3, 9, tzinfo=UTC), settings=app_settings
    )
    assert await Message.filter(conversation_id=conversation.id, is_auto_reply=True).count() == autos + 1
    # Another conversation gets its own auto-reply; a paused one sends nothing.
    other, _ = await messages.start_conversation(carol, [bob.id], "Hello", settings=app_settings)
    assert await Message.filter(conversation_id=other.id, is_auto_reply=True, sender_id=bob.id).count() == 1
    await messages.set_auto_reply(bob, None, False, settings=app_settings)
    third, _ = await messages.start_conversation(carol, [bob.id, alice.id], "Group", settings=app_settings)
    assert await Message.filter(conversation_id=third.id, is_auto_reply=True).count() == 0
    with pytest.raises(Invalid):
        await messages.set_auto_reply(alice, "", True, settings=app_settings)


async def test_auto_replies_do_not_answer_each_other(app_settings, factory):
    alice, bob = await factory.user(), await factory.user()
    await messages.set_auto_reply(alice, "Away (Alice)", True, settings=app_settings)
    await messages.set_auto_reply(bob, "Away (Bob)", True, settings=app_settings)
    conversation, _ = await messages.start_conversation(alice, [bob.id], "Ping", settings=app_settings)
    bodies = await Message.filter(conversation_id=conversation.id).order_by("id").values_list("body", flat=True)
    assert bodies == ["Ping", "Away (Bob)"]


async def test_messages_are_moderatable_content(app_settings, factory):
    alice, bob = await factory.user(), await factory.user()
    conversation, message = await messages.start_conversation(
        alice, [bob.id], "Buy cheap watches", settings=app_settings
    )
    kind = content.get("Message")
    refs = await kind.load([message.id])
    assert refs[message.id].author_id == alice.id and refs[message.id].text == "Buy cheap watches"
    await kind.hide(message.id, None)
    assert (await Message.get(id=message.id)).hidden
    assert await messages.total_unread(bob.id) == 0  # hidden messages are not unread
    await kind.delete(message.id, None)
    assert (await Message.get(id=message.id)).deleted
    assert await Conversation.filter(id=conversation.id).exists()
