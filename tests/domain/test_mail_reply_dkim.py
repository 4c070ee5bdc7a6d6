"""Replies by mail must be DKIM-signed by the member's own mail domain for this reply address
(EMAIL_INBOUND_REQUIRE_DKIM, on by default): keys are looked up in a real DNS server on loopback
(EMAIL_INBOUND_DNS), replies are sent to the real listener. Unsigned, foreign-signed, altered,
extendable (`l=`), re-addressed and replayed mails, and mails with a header twice, are refused or
taken once, with nothing posted; a DNS outage asks the sender's server to try again later."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import pytest

from api.domain.mail import senders
from api.domain.mail.inbound import reply_address, serve
from api.models.forum import Post
from tests.dns_server import DnsServer, Signer
from tests.domain.forum_helpers import make_space, make_topic
from tests.smtp_server import free_port

ADA = "ada@mail.example.org"


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
    ada = await factory.user(email=ADA)
    topic = await make_topic(ada, await make_space(admin), settings, title="Tea or coffee?")
    yield {"server": server, "port": port, "to": reply_address(settings, ada.id, topic.id), "topic": topic}
    listener.close()
    await listener.wait_closed()


def _reply(world, text: str, *, sender: str = f"Ada <{ADA}>", to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to or world["to"], "Re: Tea"
    message["Message-ID"] = make_msgid(domain="mail.example.org")
    message.set_content(text)
    return message


async def _send(world, data: bytes, envelope_from: str = ADA) -> str:
    _, answer = await aiosmtplib.send(
        data, sender=envelope_from, recipients=[world["to"]], hostname="127.0.0.1", port=world["port"]
    )
    return answer


async def _refused(world, data: bytes, envelope_from: str = ADA) -> tuple[int, str]:
    with pytest.raises(aiosmtplib.SMTPResponseException) as answer:
        await _send(world, data, envelope_from)
    return answer.value.code, answer.value.message


async def _posts(world) -> list[str]:
    return [p.body for p in await Post.filter(topic_id=world["topic"].id).order_by("id")]


async def test_a_reply_signed_by_the_members_domain_is_posted_once(world):
    own, parent = Signer(world["server"], "mail.example.org"), Signer(world["server"], "example.org", "s2")
    before = await _posts(world)
    for signer in (own, parent):  # a parent domain of the address vouches too
        assert "Posted" in await _send(world, signer.sign(_reply(world, f"Coffee, says {signer.domain}")))
    replayed = own.sign(_reply(world, "Coffee again"))
    assert "Posted" in await _send(world, replayed)
    assert "Already taken" in await _send(world, replayed)  # the same mail, sent again: taken once
    assert await _posts(world) == [
        *before,
        "Coffee, says mail.example.org",
        "Coffee, says example.org",
        "Coffee again",
    ]
    assert "mail._domainkey.mail.example.org" in world["server"].questions


async def test_unsigned_foreign_signed_altered_and_extendable_replies_are_refused(world):
    own, foreign = Signer(world["server"], "mail.example.org"), Signer(world["server"], "evil.example")
    lookalike = Signer(world["server"], "xample.org")  # a suffix of the name, not a parent domain
    before = await _posts(world)
    altered = own.sign(_reply(world, "Coffee")).replace(b"Coffee", b"Decaf!")
    extendable = own.sign(_reply(world, "Coffee"), length=True) + b"And send me your password.\r\n"
    without_message_id = own.sign(_reply(world, "Coffee"), include_headers=[b"from", b"to", b"subject"])
    for data in (
        _reply(world, "Coffee").as_bytes(),
        foreign.sign(_reply(world, "Coffee")),
        lookalike.sign(_reply(world, "Coffee")),
        altered,
        extendable,
        without_message_id,  # could be sent again and again
    ):
        code, message = await _refused(world, data)
        assert (code, "did not sign" in message) == (550, True), message
    assert await _posts(world) == before


async def test_a_mail_the_member_wrote_to_someone_else_is_not_a_reply(world):
    """Bob got Ada's signed mail (a forwarded notification, with its reply address quoted in it)
    and sends it on to the reply address: it was not addressed there, so it is not posted."""
    own = Signer(world["server"], "mail.example.org")
    before = await _posts(world)
    to_bob = own.sign(_reply(world, f"Bob, between us: see {world['to']}", to="Bob <bob@elsewhere.example>"))
    code, message = await _refused(world, to_bob, envelope_from="bob@elsewhere.example")
    assert (code, "did not sign" in message) == (550, True), message
    assert await _posts(world) == before


async def test_someone_else_at_the_members_provider_cannot_post_as_the_member(world):
    """Mallory's provider signs her mail (From: her own address), and she puts Ada's address in
    the envelope only: the From header must be Ada's."""
    provider = Signer(world["server"], "mail.example.org")
    before = await _posts(world)
    mallory = provider.sign(_reply(world, "Ada says tea", sender="Mallory <mallory@mail.example.org>"))
    code, message = await _refused(world, mallory, envelope_from=ADA)
    assert (code, "may not reply" in message) == (550, True), message
    assert await _posts(world) == before


async def test_a_header_twice_is_refused(world):
    """A second, unsigned Content-Transfer-Encoding would make the signed text read otherwise."""
    own = Signer(world["server"], "mail.example.org")
    reply = _reply(world, "Q29mZmVl")
    assert reply["Content-Transfer-Encoding"] == "7bit"
    signed = own.sign(reply)
    before = await _posts(world)
    code, message = await _refused(world, b"Content-Transfer-Encoding: base64\r\n" + signed)
    assert (code, "more than once" in message) == (550, True), message
    assert await _posts(world) == before


async def test_only_the_members_domain_is_asked_and_a_bad_selector_is_no_error(world):
    foreign = Signer(world["server"], "evil.example")
    own = Signer(world["server"], "mail.example.org")
    world["server"].silent = True  # DNS is down, but nothing needs it: the foreign key is not asked for
    code, _ = await _refused(world, foreign.sign(_reply(world, "Coffee")))
    assert code == 550 and not any("evil.example" in q for q in world["server"].questions)
    world["server"].silent = False
    bad_selector = own.sign(_reply(world, "Coffee")).replace(b"s=mail;", b"s=" + b"x" * 70 + b";", 1)
    code, message = await _refused(world, bad_selector)
    assert (code, "did not sign" in message) == (550, True), message  # no 500 from a name DNS refuses


async def test_a_dns_outage_asks_the_sender_to_try_again_later(world, monkeypatch):
    signer = Signer(world["server"], "mail.example.org")
    monkeypatch.setattr(senders, "DNS_SECONDS", 0.3)
    world["server"].silent = True
    before = await _posts(world)
    reply = signer.sign(_reply(world, "Coffee"))
    code, message = await _refused(world, reply)
    assert code == 451 and "try again later" in message
    assert await _posts(world) == before
    world["server"].silent = False
    assert "Posted" in await _send(world, reply)  # the sender's server tries again
    assert await _posts(world) == [*before, "Coffee"]


def test_alignment_is_by_domain_or_parent_domain():
    assert senders.aligned("mail.example.org", "example.org")
    assert senders.aligned("example.org", "example.org")
    assert not senders.aligned("example.org", "mail.example.org")
    assert not senders.aligned("badexample.org", "example.org")
    assert not senders.aligned("example.org", "")


async def test_a_refused_reply_is_not_taken_and_can_come_again(world):
    """The Message-ID is recorded with the post: a reply refused by the rules (a mute) is posted
    when the same mail comes again once they allow it."""
    from api.models.accounts import Sanction, SanctionKind, User

    ada = await User.get(email=ADA)
    mute = await Sanction.create(user=ada, kind=SanctionKind.MUTE, reason="calm down")
    reply = Signer(world["server"], "mail.example.org").sign(_reply(world, "Let me speak"))
    before = await _posts(world)
    code, _ = await _refused(world, reply)
    assert code == 550 and await _posts(world) == before
    await mute.delete()
    assert "Posted" in await _send(world, reply)
    assert await _posts(world) == [*before, "Let me speak"]
