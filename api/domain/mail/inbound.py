"""Replies by mail: notification mails about a topic or a private message carry
`Reply-To: reply+<token>@EMAIL_REPLY_DOMAIN`, and an SMTP listener (aiosmtpd: `guildhall mail-in`,
or in the app with EMAIL_INBOUND_IN_PROCESS) turns a reply into a post in the topic (or a message
in the conversation) by that member, through the same rules as the API (sanctions, access or
conversation membership, blocks, the content gate), with quoted text and signatures cut off.

The token names the member and the topic (`t<id>`) or conversation (`c<id>`) and is signed with
SECRET_KEY (hex, since some mail servers lower-case local parts); an unknown or forged address is
refused at RCPT, and a reply whose From header is not the member's address is refused too, so
nothing is posted for anyone else; nor is one the member's mail domain did not DKIM-sign for this
reply address (`senders`), unless EMAIL_INBOUND_REQUIRE_DKIM is off. A mail is taken once, by its
Message-ID (`InboundReply`). Automatic answers (RFC 3834 `Auto-Submitted`) are refused, so an
out-of-office reply cannot start a loop of messages and notification mails.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import re
from email import message_from_bytes, policy
from email.utils import parseaddr
from typing import Any, NamedTuple

from aiosmtpd.smtp import SMTP

from api.db import fetch_all
from api.domain.mail import senders
from api.errors import DomainError
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

log = logging.getLogger(__name__)

_LOCAL = re.compile(r"^reply\+(\d+)-([tc])(\d+)-([0-9a-f]{20})$")
TOPIC, CONVERSATION = "t", "c"  # what a reply address answers
# Where the quoted original starts in the usual clients (English and Chinese).
_QUOTE_HEADERS = [
    re.compile(r"^On .{0,200} wrote:\s*$"),
    re.compile(r"^在.{0,200}写道[:：]\s*$"),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*原始邮件\s*-{2,}\s*$"),
    re.compile(r"^From: .+$"),
]


class ReplyTarget(NamedTuple):
    user_id: int
    subject: str  # TOPIC or CONVERSATION
    subject_id: int


def _signature(settings: Settings, user_id: int, subject: str, subject_id: int) -> str:
    payload = f"reply:{user_id}:{subject}{subject_id}".encode()
    return hmac.new(settings.signing_key, payload, hashlib.sha256).hexdigest()[:20]


def reply_address(settings: Settings, user_id: int, subject_id: int, subject: str = TOPIC) -> str | None:
    """The member's Reply-To address for a topic (or, with CONVERSATION, a conversation), or None
    when replies by mail are off."""
    if not settings.email_reply_domain:
        return None
    token = f"{user_id}-{subject}{subject_id}-{_signature(settings, user_id, subject, subject_id)}"
    return f"reply+{token}@{settings.email_reply_domain}"


def read_reply_address(settings: Settings, address: str) -> ReplyTarget | None:
    """(member id, TOPIC or CONVERSATION, its id) of a genuine reply address, else None."""
    local, _, domain = parseaddr(address)[1].lower().rpartition("@")
    if not settings.email_reply_domain or domain != settings.email_reply_domain.lower():
        return None
    match = _LOCAL.match(local)
    if not match:
        return None
    target = ReplyTarget(int(match[1]), match[2], int(match[3]))
    if not hmac.compare_digest(match[4], _signature(settings, *target)):
        return None
    return target


def reply_text(message: Any) -> str:
    """The new text of a reply: the plain part (or the HTML's text) without quotes or signature."""
    part = message.get_body(("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        import nh3

        text = html.unescape(nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text), tags=set()))
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.rstrip() in {"--", "-- "} or any(p.match(line.strip()) for p in _QUOTE_HEADERS):
            break  # a signature or the quoted original: nothing after it is new
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _automatic(message: Any) -> bool:
    """An auto-responder's or a machine's mail (RFC 3834), which must not become a post."""
    return str(message.get("Auto-Submitted", "no")).strip().lower() != "no"


async def receive_reply(settings: Settings, address: str, data: bytes) -> str:
    """Post one reply; returns the SMTP answer ("250 ..." or "550 ...")."""
    from api.domain.engagement import messages
    from api.domain.forum import posts
    from api.models.accounts import User, UserStatus
    from api.models.forum import Topic, TopicKind

    found = read_reply_address(settings, address)
    if found is None:
        return "550 5.1.1 Unknown reply address"
    user_id, subject, subject_id = found
    member = await User.filter(id=user_id, status=UserStatus.ACTIVE).first()
    message = message_from_bytes(data, policy=policy.default)
    # The From header names the member: the envelope sender is anyone's to write.
    froms = [parseaddr(str(v))[1].lower() for v in message.get_all("From") or []]
    if member is None or froms != [member.email.lower()]:
        return "550 5.7.1 This address may not reply here"
    if twice := senders.repeated_header(message):
        return f"550 5.7.1 The {twice} header appears more than once"
    if _automatic(message):
        return "550 5.7.1 Automatic replies are not taken"
    try:
        if not await senders.signed_for(settings, data, message, member.email, address):
            return (
                "550 5.7.1 Your mail domain did not sign this reply to this address (DKIM); reply on the site instead"
            )
    except senders.LookupFailed:
        return "451 4.4.3 The sender's DKIM key could not be looked up; try again later"
    body = reply_text(message)
    if not body:
        return "550 5.6.0 The reply has no text of its own"
    topic = None
    if subject != CONVERSATION:
        topic = await Topic.filter(id=subject_id).only("id", "kind").first()
        if topic is None:
            return "550 5.1.1 This topic is gone"
    message_id = str(message.get("Message-ID", "")).strip()[:255]
    try:
        async with transaction():  # taken once: the claim stands or falls with the post
            if message_id and not await _first_time(member.id, message_id):
                return "250 2.0.0 Already taken"
            if topic is None:  # membership, blocks, sanctions and the content gate, as in the API
                await messages.send_message(member, subject_id, body, settings=settings)
                return "250 2.0.0 Sent"
            await posts.create_post(
                member,
                posts.PostInput(topic_id=subject_id, body=body),
                answer=topic.kind == TopicKind.QUESTION,
                settings=settings,
            )
    except DomainError as exc:
        return f"550 5.7.1 {exc}"[:500]
    return "250 2.0.0 Posted"


async def _first_time(user_id: int, message_id: str) -> bool:
    """Record that the member's mail `message_id` was taken; False if it was already."""
    rows = await fetch_all(
        "INSERT INTO mail_inbound_replies (user_id, message_id, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, message_id) DO NOTHING RETURNING id",
        [user_id, message_id, now()],
    )
    return bool(rows)


class InboundHandler:
    """aiosmtpd handler: refuses unknown recipients at RCPT, posts each reply at DATA."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd calls
        self,
        server: Any,
        session: Any,
        envelope: Any,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if read_reply_address(self.settings, address) is None:
            return "550 5.1.1 Unknown or forged reply address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        from api.domain.community.settings import effective

        settings = await effective(self.settings)
        answers = [await receive_reply(settings, rcpt, envelope.content) for rcpt in envelope.rcpt_tos]
        refused = [a for a in answers if not a.startswith("250")]
        if refused:
            log.info("inbound reply refused: %s", refused[0])
        return refused[0] if refused else answers[0]


async def serve(settings: Settings, host: str | None = None, port: int | None = None) -> asyncio.Server:
    """Listen for replies in the running event loop (where the database is connected)."""
    loop = asyncio.get_running_loop()
    handler = InboundHandler(settings)
    return await loop.create_server(
        lambda: SMTP(
            handler, hostname=settings.email_reply_domain or None, data_size_limit=settings.email_inbound_max_bytes
        ),
        host or settings.email_inbound_host,
        settings.email_inbound_port if port is None else port,
    )


_server: dict[str, asyncio.Server] = {}


async def inbound_job(settings: Settings) -> bool:
    """Background job (EMAIL_INBOUND_IN_PROCESS): keep the listener of this process running. One
    process binds the port; the others try again later, so one takes over if it stops."""
    if not settings.email_inbound_in_process or not settings.email_reply_domain or "server" in _server:
        return False
    try:
        _server["server"] = await serve(settings)
    except OSError:  # another process of this deployment listens already
        pass
    return False
