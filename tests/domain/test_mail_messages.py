"""Private messages by mail: a new message notifies the other members of the conversation
(`engagement.message`, mailed at once by default) with a Reply-To bound to the conversation, and
a reply sent to the inbound listener (aiosmtpd, on loopback) becomes a message by that member
through `send_message` (membership, blocks, sanctions, the content gate). Members who left,
forged addresses, other senders and automatic replies are refused, and nothing is stored."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
import pytest

from api.domain.engagement import messages
from api.domain.mail import worker
from api.domain.mail.inbound import CONVERSATION, TOPIC, read_reply_address, reply_address, serve
from api.domain.mail.preferences import PreferencesInput, set_preferences
from api.models.accounts import SanctionKind
from api.models.engagement import Message
from api.models.mail import Delivery
from api.models.notifications import Notification
from tests.smtp_server import free_port


@pytest.fixture
async def inbound(mail_settings):
    # What a reply becomes; whether its sender signed it: test_mail_reply_dkim.py.
    settings = mail_settings.replace(email_reply_domain="reply.example.org", email_inbound_require_dkim=False)
    port = free_port()
    server = await serve(settings, "127.0.0.1", port)
    yield settings, port
    server.close()
    await server.wait_closed()


def _reply(sender: str, to: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Re: Ada wrote to you"
    message.set_content(text)
    return message


async def _send(message: EmailMessage, port: int, **kwargs) -> None:
    await aiosmtplib.send(message, hostname="127.0.0.1", port=port, **kwargs)


async def _people(factory):
    ada = await factory.user(email="ada@example.org", display_name="Ada")
    bob = await factory.user(email="bob@example.org", display_name="Bob")
    return ada, bob


async def test_a_message_is_mailed_with_a_reply_to_and_a_reply_becomes_a_message(inbound, smtp, factory):
    settings, port = inbound
    ada, bob = await _people(factory)
    conversation, first = await messages.start_conversation(ada, [bob.id], "Lunch on Friday?", settings=settings)
    [note] = await Notification.filter(kind="engagement.message")
    assert (note.user_id, note.actor_id, note.subject_type, note.subject_id) == (bob.id, ada.id, "Message", first.id)
    assert note.data == {"conversation_id": conversation.id} and "Lunch on Friday?" in note.message
    await worker.drain(settings)
    [mail] = smtp.messages  # Bob only: never the sender
    assert mail["To"] == "bob@example.org" and "Lunch on Friday?" in mail.get_body(("plain",)).get_content()
    address = mail["Reply-To"]
    assert re.fullmatch(rf"reply\+{bob.id}-c{conversation.id}-[0-9a-f]{{20}}@reply\.example\.org", address)
    assert read_reply_address(settings, address) == (bob.id, CONVERSATION, conversation.id)

    smtp.clear()
    await _send(
        _reply(
            "Bob <bob@example.org>",
            address,
            "Yes, noon works.\n\n-- \nBob\n\nOn Mon, 30 Nov 2026 at 09:00, Guildhall wrote:\n> Lunch on Friday?\n",
        ),
        port,
    )
    reply = await Message.filter(conversation_id=conversation.id).order_by("-id").first()
    assert reply is not None and (reply.sender_id, reply.body) == (bob.id, "Yes, noon works.")
    # The reply is an ordinary message: Ada hears of it, by mail she can answer in turn.
    await worker.drain(settings)
    [back] = smtp.messages
    assert back["To"] == "ada@example.org"
    assert read_reply_address(settings, back["Reply-To"]) == (ada.id, CONVERSATION, conversation.id)


async def test_who_is_notified_in_a_group(mail_settings, factory):
    settings = mail_settings
    ada, bob = await _people(factory)
    carol, dan = await factory.user(email="carol@example.org"), await factory.user(email="dan@example.org")
    group, _ = await messages.start_conversation(
        ada, [bob.id, carol.id, dan.id], "Plans", title="Trip", settings=settings
    )
    assert sorted(await Notification.filter(kind="engagement.message").values_list("user_id", flat=True)) == sorted(
        [bob.id, carol.id, dan.id]
    )
    assert "in “Trip”" in (await Notification.filter(user_id=bob.id).first()).message
    await Notification.all().delete()
    await messages.leave(carol, group.id)  # left: not told any more
    await messages.block(dan, ada.id)  # blocked the sender: not told either (the group goes on)
    await messages.set_auto_reply(bob, "Away until Monday.", True, settings=settings)
    await messages.send_message(ada, group.id, "Tickets booked", settings=settings)
    # Bob is told of Ada's message; his away message (automatic) notifies nobody.
    assert await Notification.filter(kind="engagement.message").values_list("user_id", flat=True) == [bob.id]
    assert await Message.filter(conversation_id=group.id, is_auto_reply=True).count() == 1


async def test_members_can_keep_messages_in_app(mail_settings, smtp, factory):
    settings = mail_settings
    ada, bob = await _people(factory)
    await set_preferences(bob, PreferencesInput(kinds={"engagement.message": Delivery.IN_APP}), settings=settings)
    await messages.start_conversation(ada, [bob.id], "Psst", settings=settings)
    assert await Notification.filter(user_id=bob.id, kind="engagement.message").count() == 1
    await worker.drain(settings)
    assert smtp.messages == []


async def test_refused_replies_store_nothing(inbound, factory):
    from api.domain.moderation import sanctions

    settings, port = inbound
    ada, bob = await _people(factory)
    carol = await factory.user(email="carol@example.org")
    admin = await factory.user(role="ADMIN", email="admin@example.org")
    group, _ = await messages.start_conversation(ada, [bob.id, carol.id], "Plans", title="Trip", settings=settings)
    before = await Message.all().count()

    async def refused(sender: str, to: str, text: str = "Me too", code: int = 550, **headers: str) -> None:
        message = _reply(sender, to, text)
        for name, value in headers.items():
            message[name.replace("_", "-")] = value
        with pytest.raises(aiosmtplib.SMTPResponseException) as answer:
            await _send(message, port, sender=sender)
        assert answer.value.code == code

    # A topic token for the same id, an altered id and garbage are refused at RCPT.
    topic_token = reply_address(settings, bob.id, group.id, TOPIC)
    assert read_reply_address(settings, topic_token.replace(f"-t{group.id}-", f"-c{group.id}-")) is None
    genuine = reply_address(settings, bob.id, group.id, CONVERSATION)
    forged = genuine.replace(f"-c{group.id}-", f"-c{group.id + 1}-")
    for address in (topic_token.replace(f"-t{group.id}-", f"-c{group.id}-"), forged):
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            await _send(_reply("bob@example.org", address, "Hi"), port)
    # Somebody else's mail to Bob's address, and an out-of-office answer.
    await refused("mallory@example.org", genuine)
    await refused("bob@example.org", genuine, Auto_Submitted="auto-replied")
    # Carol left the conversation: her address no longer lets her write there.
    await messages.leave(carol, group.id)
    await refused("carol@example.org", reply_address(settings, carol.id, group.id, CONVERSATION))
    # A muted member cannot write by mail either (the content gate's sanctions).
    await sanctions.sanction_member(
        admin, bob.id, SanctionKind.MUTE, reason="calm down", duration=timedelta(hours=1), settings=settings
    )
    await refused("bob@example.org", genuine)
    # One-to-one with a member who blocked you: refused as in the API.
    pair, _ = await messages.start_conversation(ada, [carol.id], "Hi", settings=settings)
    await messages.block(carol, ada.id)
    after_pair = await Message.all().count()
    await refused("ada@example.org", reply_address(settings, ada.id, pair.id, CONVERSATION))
    assert await Message.all().count() == after_pair == before + 1
