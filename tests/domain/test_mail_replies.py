"""Replies by mail: a notification mail about a topic carries the member's Reply-To address, and
a reply sent to the inbound listener (aiosmtpd, on loopback) becomes a post by that member through
the usual rules, without quotes or signature. Forged addresses, other senders, empty replies and
muted members are refused, and nothing is posted."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
import pytest

from api.domain.mail import worker
from api.domain.mail.inbound import read_reply_address, reply_address, reply_text, serve
from api.models.accounts import SanctionKind
from api.models.forum import Post
from tests.domain.forum_helpers import make_post, make_space, make_topic
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


def _reply(sender: str, to: str, text: str, *, html: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Re: New reply"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


async def _world(factory, settings):
    admin = await factory.user(role="ADMIN", email="admin@example.org")
    ada = await factory.user(email="ada@example.org")
    space = await make_space(admin)
    topic = await make_topic(ada, space, settings, title="Tea or coffee?")
    return admin, ada, topic


async def test_a_notification_mail_can_be_answered_by_mail(inbound, smtp, factory):
    settings, port = inbound
    admin, ada, topic = await _world(factory, settings)
    await make_post(admin, topic, settings, body="Tea, obviously.")  # Ada hears of the reply
    await worker.drain(settings)
    [mail] = [m for m in smtp.messages if m["To"] == "ada@example.org"]
    address = mail["Reply-To"]
    assert re.fullmatch(r"reply\+\d+-t\d+-[0-9a-f]{20}@reply\.example\.org", address)
    assert read_reply_address(settings, address) == (ada.id, "t", topic.id)
    reply = _reply(
        "Ada <ada@example.org>",
        address,
        "Coffee for me!\n\nOn Mon, 30 Nov 2026 at 09:00, Guildhall wrote:\n> Tea, obviously.\n",
    )
    await aiosmtplib.send(reply, hostname="127.0.0.1", port=port)
    post = await Post.filter(topic_id=topic.id, author_id=ada.id).order_by("-id").first()
    assert post is not None and post.body == "Coffee for me!"


async def test_forged_addresses_and_other_senders_are_refused(inbound, factory):
    settings, port = inbound
    _, ada, topic = await _world(factory, settings)
    before = await Post.all().count()
    genuine = reply_address(settings, ada.id, topic.id)
    forged = genuine.replace(f"-t{topic.id}-", f"-t{topic.id + 1}-")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await aiosmtplib.send(_reply("ada@example.org", forged, "Hi"), hostname="127.0.0.1", port=port)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await aiosmtplib.send(
            _reply("ada@example.org", "reply+1-t1-0000@reply.example.org", "Hi"), hostname="127.0.0.1", port=port
        )
    with pytest.raises(aiosmtplib.SMTPResponseException) as stranger:
        await aiosmtplib.send(
            _reply("mallory@example.org", genuine, "Spam"),
            hostname="127.0.0.1",
            port=port,
            sender="mallory@example.org",
        )
    assert stranger.value.code == 550
    with pytest.raises(aiosmtplib.SMTPResponseException) as empty:
        await aiosmtplib.send(
            _reply("ada@example.org", genuine, "> only a quote\n-- \nAda"), hostname="127.0.0.1", port=port
        )
    assert empty.value.code == 550
    assert await Post.all().count() == before


async def test_a_muted_member_cannot_post_by_mail_either(inbound, factory):
    from api.domain.moderation import sanctions

    settings, port = inbound
    admin, ada, topic = await _world(factory, settings)
    await sanctions.sanction_member(
        admin, ada.id, SanctionKind.MUTE, reason="calm down", duration=timedelta(hours=1), settings=settings
    )
    before = await Post.all().count()
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await aiosmtplib.send(
            _reply("ada@example.org", reply_address(settings, ada.id, topic.id), "Let me speak"),
            hostname="127.0.0.1",
            port=port,
        )
    assert refused.value.code == 550
    assert await Post.all().count() == before


def test_quotes_and_signatures_are_cut_from_replies():
    text = _reply("a@x", "b@y", "Yes.\nSee you there.\n\n-- \nAda Lovelace\nAnalytical Engines Ltd")
    assert reply_text(text) == "Yes.\nSee you there."
    chinese = _reply("a@x", "b@y", "好的，周五见。\n\n在 2026年11月30日 09:00，Guildhall 写道：\n> 活动改到周五\n")
    assert reply_text(chinese) == "好的，周五见。"
    html_only = EmailMessage()
    html_only.set_content("<p>Sounds <b>good</b> &amp; fine</p><blockquote>old</blockquote>", subtype="html")
    assert reply_text(html_only).startswith("Sounds good & fine")


async def test_one_app_process_listens_when_asked_to(mail_settings, factory):
    from api.domain.mail import inbound

    settings = mail_settings.replace(
        email_reply_domain="reply.example.org", email_inbound_in_process=True, email_inbound_port=free_port()
    )
    assert await inbound.inbound_job(mail_settings) is False and "server" not in inbound._server  # off by default
    await inbound.inbound_job(settings)
    server = inbound._server["server"]
    try:
        await inbound.inbound_job(settings)  # already listening: nothing more
        assert inbound._server["server"] is server
        with pytest.raises(OSError):  # another process finds the port taken (and tries again later)
            await inbound.serve(settings)
    finally:
        server.close()
        await server.wait_closed()
        inbound._server.clear()
    _, ada, topic = await _world(factory, settings)
    assert read_reply_address(settings, reply_address(settings, ada.id, topic.id)) == (ada.id, "t", topic.id)
