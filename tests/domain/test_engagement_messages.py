"""Private messages: one-to-one and groups, unread counts, blocks, leaving, auto-replies once
per conversation per day, and moderation through the content registry."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from api.domain import content
from api.domain.engagement import messages
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models.engagement import Conversation, Message


async def test_one_to_one_is_one_conversation_per_pair_with_unread_counts(app_settings, factory):
    alice, bob = await factory.user(), await factory.user()
    first, _ = await messages.start_conversation(alice, app_settings, [bob.id], "Hi Bob")
    again, _ = await messages.start_conversation(bob, app_settings, [alice.id], "Hi Alice")
    assert first.id == again.id and not first.is_group
    assert await messages.unread_counts(alice.id, [first.id]) == [1]
    # Writing in a conversation marks it read up to one's own message.
    await messages.send_message(alice, app_settings, first.id, "How are you?")
    await messages.send_message(alice, app_settings, first.id, "Coffee?")
    assert await messages.unread_counts(bob.id, [first.id]) == [2]
    assert await messages.unread_counts(alice.id, [first.id]) == [0]
    assert await messages.total_unread(bob.id) == 2
    await messages.mark_read(bob, first.id)
    assert await messages.total_unread(bob.id) == 0
    with pytest.raises(Invalid):
        await messages.send_message(alice, app_settings, first.id, "   ")
    with pytest.raises(Invalid):
        await messages.send_message(alice, app_settings, first.id, "x" * (app_settings.max_message_length + 1))
    outsider = await factory.user()
    with pytest.raises(NotFound):
        await messages.send_message(outsider, app_settings, first.id, "Let me in")


async def test_blocked_members_cannot_message_either_way(app_settings, factory):
    alice, bob, carol = await factory.user(), await factory.user(), await factory.user()
    conversation, _ = await messages.start_conversation(alice, app_settings, [bob.id], "Hello")
    await messages.block(bob, alice.id)
    before = await Message.all().count()
    with pytest.raises(Forbidden):
        await messages.send_message(alice, app_settings, conversation.id, "Are you there?")
    with pytest.raises(Forbidden):
        await messages.send_message(bob, app_settings, conversation.id, "Go away")
    with pytest.raises(Forbidden):
        await messages.start_conversation(alice, app_settings, [bob.id, carol.id], "Group with Bob")
    assert await Message.all().count() == before
    await messages.unblock(bob, alice.id)
    await messages.send_message(alice, app_settings, conversation.id, "Friends again?")
    with pytest.raises(Invalid):
        await messages.block(alice, alice.id)


async def test_groups_leaving_and_size_limit(app_settings, factory):
    settings = app_settings.replace(max_conversation_members=3)
    a, b, c, d = [await factory.user() for _ in range(4)]
    group, _ = await messages.start_conversation(a, settings, [b.id, c.id], "Plans", title="Trip")
    assert group.is_group and group.title == "Trip"
    with pytest.raises(Invalid):
        await messages.start_conversation(a, settings, [b.id, c.id, d.id], "Too many")
    await messages.leave(c, group.id)
    await messages.send_message(a, settings, group.id, "c left")
    with pytest.raises(NotFound):
        await messages.send_message(c, settings, group.id, "back?")
    assert await messages.unread_counts(b.id, [group.id]) == [2]
    # Leaving a one-to-one: the other member cannot write until the leaver writes again.
    pair, _ = await messages.start_conversation(a, settings, [d.id], "Hi d")
    await messages.leave(d, pair.id)
    with pytest.raises(Conflict):
        await messages.send_message(a, settings, pair.id, "Hello?")
    await messages.start_conversation(d, settings, [a.id], "Sorry, back")
    await messages.send_message(a, settings, pair.id, "Welcome back")


async def test_auto_reply_is_sent_once_per_conversation_per_day(app_settings, factory):
    alice, bob, carol = await factory.user(), await factory.user(), await factory.user()
    await messages.set_auto_reply(bob, app_settings, "On holiday until Monday.", True)
    day1 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    conversation, _ = await messages.start_conversation(alice, app_settings, [bob.id], "Question")
    await messages.send_message(alice, app_settings, conversation.id, "Another one", at=day1)
    await messages.send_message(alice, app_settings, conversation.id, "And another", at=day1)
    autos = await Message.filter(conversation_id=conversation.id, is_auto_reply=True).count()
    await messages.send_message(alice, app_settings, conversation.id, "Next day", at=datetime(2026, 3, 3, 9, tzinfo=timezone.utc))
    assert await Message.filter(conversation_id=conversation.id, is_auto_reply=True).count() == autos + 1
    # Another conversation gets its own auto-reply; a paused one sends nothing.
    other, _ = await messages.start_conversation(carol, app_settings, [bob.id], "Hello")
    assert await Message.filter(conversation_id=other.id, is_auto_reply=True, sender_id=bob.id).count() == 1
    await messages.set_auto_reply(bob, app_settings, None, False)
    third, _ = await messages.start_conversation(carol, app_settings, [bob.id, alice.id], "Group")
    assert await Message.filter(conversation_id=third.id, is_auto_reply=True).count() == 0
    with pytest.raises(Invalid):
        await messages.set_auto_reply(alice, app_settings, "", True)


async def test_auto_replies_do_not_answer_each_other(app_settings, factory):
    alice, bob = await factory.user(), await factory.user()
    await messages.set_auto_reply(alice, app_settings, "Away (Alice)", True)
    await messages.set_auto_reply(bob, app_settings, "Away (Bob)", True)
    conversation, _ = await messages.start_conversation(alice, app_settings, [bob.id], "Ping")
    bodies = await Message.filter(conversation_id=conversation.id).order_by("id").values_list("body", flat=True)
    assert bodies == ["Ping", "Away (Bob)"]


async def test_messages_are_moderatable_content(app_settings, factory):
    alice, bob = await factory.user(), await factory.user()
    conversation, message = await messages.start_conversation(alice, app_settings, [bob.id], "Buy cheap watches")
    kind = content.get("Message")
    refs = await kind.load([message.id])
    assert refs[message.id].author_id == alice.id and refs[message.id].text == "Buy cheap watches"
    await kind.hide(message.id, None)
    assert (await Message.get(id=message.id)).hidden
    assert await messages.total_unread(bob.id) == 0  # hidden messages are not unread
    await kind.delete(message.id, None)
    assert (await Message.get(id=message.id)).deleted
    assert await Conversation.filter(id=conversation.id).exists()
