"""The mail worker: sends outbox messages, safely from several processes.

A pass claims a batch of due rows (on PostgreSQL `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE
SKIP LOCKED)`, so concurrent workers take disjoint rows; on SQLite the same single conditional
update, atomic under its write lock), stamps them with its own claim id, renders and sends them
over one connection, then deletes each row it sent (only while its claim still holds). A failure
keeps the row with a back-off, so an SMTP outage loses nothing: the mail goes when the server
is back. A message the server refuses for good (5xx) is given up at once and, if it was a
member's address, marks that address bounced (no more bulk mail to it).

Delivery is at least once: a crash between the server's "250 OK" and the delete sends that
message again; its Message-ID is the same, so receivers can tell.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from types import SimpleNamespace
from typing import Any, cast

from api import offload
from api.db import connection, is_postgres
from api.domain.mail import links
from api.domain.mail.inbound import CONVERSATION, reply_address
from api.domain.mail.templates import render
from api.domain.mail.transport import PermanentFailure, TemporaryFailure, transport
from api.models.mail import MailOutbox, MailPreference
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

log = logging.getLogger(__name__)

_CLAIM_SQL = """
UPDATE mail_outbox SET claimed_until = ?, claimed_by = ?
WHERE id IN (
    SELECT id FROM mail_outbox
    WHERE gave_up_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
    ORDER BY id LIMIT ? {lock}
) AND (claimed_until IS NULL OR claimed_until < ?)
RETURNING id
"""


def _numbered(query: str) -> str:
    parts = query.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))


async def claim(
    settings: Settings, *, moment: datetime | None = None, limit: int | None = None
) -> tuple[str, list[MailOutbox]]:
    """Claim up to `limit` due messages for EMAIL_CLAIM_SECONDS; returns the claim id and rows."""
    moment = moment or now()
    claim_id = uuid.uuid4().hex
    until = moment + timedelta(seconds=settings.email_claim_seconds)
    params: list[Any] = [until, claim_id, moment, moment, limit or settings.email_batch_size, moment]
    if is_postgres():
        async with transaction() as conn:
            rows = await conn.execute_query_dict(_numbered(_CLAIM_SQL.format(lock="FOR UPDATE SKIP LOCKED")), params)
    else:
        rows = await connection().execute_query_dict(_CLAIM_SQL.format(lock=""), params)
    if not rows:
        return claim_id, []
    claimed = await MailOutbox.filter(id__in=[int(r["id"]) for r in rows], claimed_by=claim_id).order_by("id")
    return claim_id, list(claimed)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: 30 s, 1 min, 2 min... capped."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), settings.email_retry_max_seconds))


def _domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def _header(value: str) -> str:
    # compat32 messages take Header objects (encoded and folded when serialized), though typed as str.
    return value if value.isascii() else cast(str, Header(value, "utf-8"))


def build(settings: Settings, row: Any, *, moment: datetime | None = None) -> Message:
    """The MIME message of an outbox row (or anything with its fields): text and HTML
    alternatives, Message-ID, and for bulk mail List-Unsubscribe with RFC 8058 one-click.
    (The stdlib's compat32 MIME classes: four times faster to build than `EmailMessage`.)"""
    footer_text = footer_html = ""
    unsubscribe = None
    if row.bulk and row.user_id is not None:
        unsubscribe = links.unsubscribe_url(settings, int(row.user_id))
        footer_text = f"Unsubscribe: {unsubscribe}"
        footer_html = f' · <a href="{unsubscribe}">Unsubscribe</a>'
    rendered = render(
        settings, row.template, row.locale, dict(row.context), footer_text=footer_text, footer_html=footer_html
    )
    message = MIMEMultipart("alternative")
    name, address = parseaddr(settings.email_from)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = row.to_address
    message["Subject"] = _header(rendered.subject)
    message["Date"] = format_datetime(moment or now())
    message["Message-ID"] = f"<{row.message_id}@{_domain_of(settings.email_from)}>"
    message["Auto-Submitted"] = "auto-generated"
    topic_id, conversation_id = row.context.get("$reply_topic"), row.context.get("$reply_conversation")
    reply_to = None
    if row.user_id and topic_id:
        reply_to = reply_address(settings, int(row.user_id), int(topic_id))
    elif row.user_id and conversation_id:
        reply_to = reply_address(settings, int(row.user_id), int(conversation_id), CONVERSATION)
    if reply_to:
        message["Reply-To"] = reply_to
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Precedence"] = "bulk"
    message.attach(MIMEText(rendered.text, "plain", "utf-8"))
    message.attach(MIMEText(rendered.html, "html", "utf-8"))
    return message


async def _suppressed(rows: list[MailOutbox]) -> set[int]:
    """Members among the bulk rows' who unsubscribed or whose address bounced."""
    ids = {int(r.user_id) for r in rows if r.bulk and r.user_id is not None}
    if not ids:
        return set()
    prefs = await MailPreference.filter(user_id__in=ids).values("user_id", "unsubscribed_at", "bounced_at")
    return {p["user_id"] for p in prefs if p["unsubscribed_at"] or p["bounced_at"]}


async def _failed(
    settings: Settings, row: MailOutbox, claim_id: str, error: str, *, permanent: bool, moment: datetime
) -> None:
    attempts = row.attempts + 1
    give_up = permanent or attempts >= settings.email_max_attempts
    await MailOutbox.filter(id=row.id, claimed_by=claim_id).update(
        attempts=attempts,
        last_error=error[:2000],
        claimed_until=None,
        claimed_by="",
        next_attempt_at=moment + backoff(settings, attempts),
        gave_up_at=moment if give_up else None,
    )
    if permanent and row.user_id is not None:
        await MailPreference.get_or_create(user_id=row.user_id)
        await MailPreference.filter(user_id=row.user_id, bounced_at__isnull=True).update(bounced_at=moment)


def build_batch(settings: Settings, rows: list[dict[str, Any]], moment: datetime) -> list[tuple[bytes | None, str]]:
    """(message bytes, "") or (None, error) for each row: runs in a worker process (`offload`
    kind "mail"), since building MIME messages is CPU work."""
    built: list[tuple[bytes | None, str]] = []
    for fields in rows:
        try:
            built.append((sign(settings, build(settings, SimpleNamespace(**fields), moment=moment).as_bytes()), ""))
        except Exception as exc:  # noqa: BLE001 - a template bug: this row waits for a fix, the others go
            built.append((None, f"render: {type(exc).__name__}: {exc}"))
    return built


DKIM_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
]


def sign(settings: Settings, data: bytes) -> bytes:
    """`data` with a DKIM-Signature header when EMAIL_DKIM_SELECTOR and EMAIL_DKIM_KEY_FILE are set."""
    if not settings.email_dkim_selector or settings.email_dkim_key_file is None:
        return data
    import dkim  # type: ignore[import-untyped]

    key = settings.email_dkim_key_file.read_bytes()
    signature: bytes = dkim.sign(
        data,
        settings.email_dkim_selector.encode(),
        _domain_of(settings.email_from).encode(),
        key,
        include_headers=DKIM_HEADERS,
    )
    return signature + data


_ROW_FIELDS = ("id", "user_id", "to_address", "template", "context", "locale", "bulk", "message_id")


async def process_batch(settings: Settings, *, moment: datetime | None = None) -> int:
    """One pass: claim, build (off the event loop), send, settle. Returns how many messages
    were claimed."""
    moment = moment or now()
    claim_id, rows = await claim(settings, moment=moment)
    if not rows:
        return 0
    suppressed = await _suppressed(rows)
    done = [r.id for r in rows if r.bulk and r.user_id in suppressed]  # unsubscribed or bounced meanwhile
    sendable = [r for r in rows if r.id not in done]
    built = (
        await offload.run(
            "mail", build_batch, settings, [{name: getattr(r, name) for name in _ROW_FIELDS} for r in sendable], moment
        )
        if sendable
        else []
    )
    sender = parseaddr(settings.email_from)[1]
    try:
        async with transport(settings) as out:
            for row, (data, error) in zip(sendable, built, strict=False):
                if data is None:
                    log.error("mail %s could not be rendered: %s", row.id, error)
                    await _failed(settings, row, claim_id, error, permanent=False, moment=moment)
                    continue
                try:
                    await out.send(sender, row.to_address, row.message_id, data)
                except TemporaryFailure as exc:
                    await _failed(settings, row, claim_id, str(exc), permanent=False, moment=moment)
                    continue
                except PermanentFailure as exc:
                    log.warning("mail %s to %s refused: %s", row.id, row.to_address, exc)
                    await _failed(settings, row, claim_id, str(exc), permanent=True, moment=moment)
                    continue
                done.append(row.id)
    except Exception as exc:  # noqa: BLE001 - connection lost or server down: retried later, never lost
        error = f"{type(exc).__name__}: {exc}"
        log.warning("mail delivery failed: %s", error)
        for row in sendable:
            if row.id not in done:
                await _failed(settings, row, claim_id, error, permanent=False, moment=moment)
    if done:
        await MailOutbox.filter(id__in=done, claimed_by=claim_id).delete()
    return len(rows)


async def drain(settings: Settings, *, moment: datetime | None = None, max_batches: int = 100) -> int:
    """Process batches until nothing is due (or `max_batches`); returns messages handled."""
    total = 0
    for _ in range(max_batches):
        handled = await process_batch(settings, moment=moment)
        total += handled
        if handled < settings.email_batch_size:
            break
    return total


async def outbox_job(settings: Settings) -> bool:
    """Background job: send what is due. Sending changes nothing public readers see."""
    await drain(settings)
    return False
