"""Replies by mail must be DKIM-signed by the member's own mail domain (EMAIL_INBOUND_REQUIRE_DKIM,
on by default): keys are looked up in a real DNS server on loopback (EMAIL_INBOUND_DNS), replies
are sent to the real listener. Unsigned, foreign-signed, altered and extendable (`l=`) replies are
refused with nothing posted; a DNS outage asks the sender's server to try again later."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import pytest

from api.domain.mail import senders
from api.domain.mail.inbound import reply_address, serve
from api.models.forum import Post
from tests.dns_server import DnsServer, Signer
from tests.domain.forum_helpers import make_space, make_topic
from tests.smtp_server import free_port


@pytest.fixture
async def dns_server():
    server = DnsServer()
    address = await server.start()
    yield server, address
    server.close()


@pytest.fixture
async def world(mail_settings, dns_server, factory):
    server, address = dns_server
    settings = mail_settings.replace(email_reply_domain="reply.example.org", email_inbound_dns=address)
    assert settings.email_inbound_require_dkim  # the default
    port = free_port()
    listener = await serve(settings, "127.0.0.1", port)
    admin = await factory.user(role="ADMIN", email="admin@example.org")
    ada = await factory.user(email="ada@mail.example.org")
    topic = await make_topic(ada, await make_space(admin), settings, title="Tea or coffee?")
    yield {"server": server, "port": port, "to": reply_address(settings, ada.id, topic.id), "topic": topic}
    listener.close()
    await listener.wait_closed()


def _reply(text: str, sender: str = "Ada <ada@mail.example.org>") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "reply@reply.example.org", "Re: Tea"
    message.set_content(text)
    return message


async def _send(world, data: bytes, envelope_from: str = "ada@mail.example.org") -> None:
    await aiosmtplib.send(
        data, sender=envelope_from, recipients=[world["to"]], hostname="127.0.0.1", port=world["port"]
    )


async def _refused(world, data: bytes, envelope_from: str = "ada@mail.example.org") -> tuple[int, str]:
    with pytest.raises(aiosmtplib.SMTPResponseException) as answer:
        await _send(world, data, envelope_from)
    return answer.value.code, answer.value.message


async def test_a_reply_signed_by_the_members_domain_is_posted(world):
    for signer in (Signer(world["server"], "mail.example.org"), Signer(world["server"], "example.org", "s2")):
        await _send(world, signer.sign(_reply(f"Coffee, says {signer.domain}")))
    bodies = [p.body for p in await Post.filter(topic_id=world["topic"].id).order_by("id")]
    assert bodies[-2:] == ["Coffee, says mail.example.org", "Coffee, says example.org"]  # a parent domain too
    assert "mail._domainkey.mail.example.org" in world["server"].questions


async def test_unsigned_foreign_signed_altered_and_extendable_replies_are_refused(world):
    own, foreign = Signer(world["server"], "mail.example.org"), Signer(world["server"], "evil.example")
    lookalike = Signer(world["server"], "xample.org")  # a suffix of the name, not a parent domain
    before = await Post.all().count()
    altered = own.sign(_reply("Coffee")).replace(b"Coffee", b"Decaf!")
    extendable = own.sign(_reply("Coffee"), length=True) + b"And send me your password.\r\n"
    for data in (
        _reply("Coffee").as_bytes(),
        foreign.sign(_reply("Coffee")),
        lookalike.sign(_reply("Coffee")),
        altered,
        extendable,
    ):
        code, message = await _refused(world, data)
        assert (code, "did not sign" in message) == (550, True), message
    # Signed by the sender's own domain, naming the member only in the envelope.
    code, _ = await _refused(world, foreign.sign(_reply("Coffee", "Mallory <m@evil.example>")))
    assert code == 550
    assert await Post.all().count() == before


async def test_a_dns_outage_asks_the_sender_to_try_again_later(world, monkeypatch):
    signer = Signer(world["server"], "mail.example.org")
    monkeypatch.setattr(senders, "DNS_SECONDS", 0.3)
    world["server"].silent = True
    before = await Post.all().count()
    code, message = await _refused(world, signer.sign(_reply("Coffee")))
    assert code == 451 and "try again later" in message
    assert await Post.all().count() == before
    world["server"].silent = False
    await _send(world, signer.sign(_reply("Coffee")))  # the sender's server tries again
    assert await Post.all().count() == before + 1


def test_alignment_is_by_domain_or_parent_domain():
    assert senders.aligned("mail.example.org", "example.org")
    assert senders.aligned("example.org", "example.org")
    assert not senders.aligned("example.org", "mail.example.org")
    assert not senders.aligned("badexample.org", "example.org")
    assert not senders.aligned("example.org", "")
