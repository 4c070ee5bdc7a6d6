"""Mail delivery through the outbox, against a real SMTP server (aiosmtpd) on loopback:
multipart messages with their headers, retries with back-off through an outage, several workers
sending each message once, expired claims taken over, bounces, logins and the .eml folder."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from api.domain.mail import worker
from api.domain.mail.outbox import enqueue, enqueue_for
from api.models.mail import MailOutbox, MailPreference
from api.timeutil import now
from api.transactions import transaction
from tests.smtp_server import PASSWORD, USER


def _context(**extra):
    return {
        "display_name": "Ada",
        "username": "ada",
        "email": "ada@example.org",
        "link": "https://front.example/verify?token=abc",
        "hours": 48,
        **extra,
    }


async def test_a_rolled_back_change_sends_nothing(mail_settings, smtp):
    with pytest.raises(RuntimeError):
        async with transaction():
            await enqueue("ada@example.org", "verify_email", _context())
            raise RuntimeError("the change failed")
    assert await MailOutbox.all().count() == 0
    assert await worker.drain(mail_settings) == 0
    assert smtp.messages == []


async def test_a_message_arrives_as_text_and_html_with_its_headers(mail_settings, smtp):
    async with transaction():
        row = await enqueue("ada@example.org", "verify_email", _context())
    assert await worker.drain(mail_settings) == 1
    [message] = smtp.messages
    assert message["To"] == "ada@example.org"
    assert message["From"] == mail_settings.email_from
    assert message["Subject"] == "Confirm your email address"
    assert message["Message-ID"] == f"<{row.message_id}@localhost>"
    assert message["List-Unsubscribe"] is None  # account mail is not bulk mail
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "https://front.example/verify?token=abc" in text and "Hello Ada" in text
    assert 'href="https://front.example/verify?token=abc"' in html
    assert await MailOutbox.all().count() == 0  # sent rows are gone


async def test_member_text_is_escaped_in_html(mail_settings, smtp):
    await enqueue("ada@example.org", "verify_email", _context(display_name="<script>x</script>"))
    await worker.drain(mail_settings)
    html = smtp.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


async def test_an_outage_loses_nothing_and_retries_with_back_off(mail_settings, smtp):
    smtp.stop()
    try:
        await enqueue("ada@example.org", "verify_email", _context())
        await enqueue("bob@example.org", "verify_email", _context(display_name="Bob"))
        assert await worker.drain(mail_settings) == 2
        rows = await MailOutbox.all()
        assert [r.attempts for r in rows] == [1, 1]
        assert all(r.last_error and r.gave_up_at is None and r.claimed_until is None for r in rows)
        assert all(r.next_attempt_at > now() for r in rows)  # backing off
        # More writes go on while the server is down.
        await enqueue("cy@example.org", "verify_email", _context(display_name="Cy"))
        assert await worker.drain(mail_settings, moment=now() + timedelta(seconds=31)) == 3
        assert sorted(r.attempts for r in await MailOutbox.all()) == [1, 2, 2]
        assert await worker.drain(mail_settings) == 0  # nothing is due during the back-off
    finally:
        smtp.start()
    assert await worker.drain(mail_settings, moment=now() + timedelta(hours=2)) == 3
    assert sorted(m["To"] for m in smtp.messages) == ["ada@example.org", "bob@example.org", "cy@example.org"]
    assert await MailOutbox.all().count() == 0
    assert await worker.drain(mail_settings, moment=now() + timedelta(hours=4)) == 0
    assert len(smtp.messages) == 3


def test_back_off_doubles_and_is_capped(app_settings):
    settings = app_settings.replace(email_retry_max_seconds=600)
    assert [worker.backoff(settings, n).total_seconds() for n in (1, 2, 3, 6, 20)] == [30, 60, 120, 600, 600]


async def test_a_message_is_given_up_after_the_last_attempt(mail_settings, smtp):
    settings = mail_settings.replace(email_max_attempts=2)
    smtp.stop()
    try:
        await enqueue("ada@example.org", "verify_email", _context())
        await worker.drain(settings)
        await worker.drain(settings, moment=now() + timedelta(hours=1))
    finally:
        smtp.start()
    [row] = await MailOutbox.all()
    assert row.attempts == 2 and row.gave_up_at is not None
    assert await worker.drain(settings, moment=now() + timedelta(days=1)) == 0
    assert smtp.messages == []


async def test_several_workers_send_each_message_once(mail_settings, smtp):
    settings = mail_settings.replace(email_batch_size=3)
    for i in range(20):
        await enqueue(f"m{i}@example.org", "verify_email", _context())
    handled = await asyncio.gather(*(worker.drain(settings) for _ in range(4)))
    assert sum(handled) == 20
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"m{i}@example.org" for i in range(20))
    assert await MailOutbox.all().count() == 0


async def test_a_claim_that_outlived_its_worker_is_taken_over(mail_settings, smtp):
    await enqueue("ada@example.org", "verify_email", _context())
    claim_id, rows = await worker.claim(mail_settings)  # a worker that died before sending
    assert len(rows) == 1
    assert await worker.drain(mail_settings) == 0  # its claim still holds
    later = now() + timedelta(seconds=mail_settings.email_claim_seconds + 1)
    assert await worker.drain(mail_settings, moment=later) == 1
    assert [m["To"] for m in smtp.messages] == ["ada@example.org"]
    # The dead worker's late settle touches nothing any more.
    assert await MailOutbox.filter(claimed_by=claim_id).count() == 0


async def test_a_refused_address_bounces_and_gets_no_more_bulk_mail(mail_settings, smtp, factory):
    member = await factory.user(email="gone@example.org")
    smtp.handler.refuse.add("gone@example.org")
    await enqueue_for(member, "verify_email", _context())
    assert await worker.drain(mail_settings) == 1
    [row] = await MailOutbox.all()
    assert row.gave_up_at is not None and "550" in row.last_error
    assert (await MailPreference.get(user_id=member.id)).bounced_at is not None
    smtp.handler.refuse.clear()
    await enqueue_for(member, "notification", {"title": "t", "message": "m", "link": "x"}, bulk=True)
    assert await worker.drain(mail_settings) == 1
    assert smtp.messages == []  # dropped, not sent
    assert await MailOutbox.filter(gave_up_at__isnull=True).count() == 0


async def test_the_server_login_comes_from_the_url(mail_settings, smtp):
    from urllib.parse import quote

    settings = mail_settings.replace(email_url=f"smtp://{USER}:{quote(PASSWORD)}@127.0.0.1:{smtp.port}?starttls=false")
    await enqueue("ada@example.org", "verify_email", _context())
    assert await worker.drain(settings) == 1
    assert smtp.handler.logins == [USER] and len(smtp.messages) == 1
    wrong = mail_settings.replace(email_url=f"smtp://{USER}:nope@127.0.0.1:{smtp.port}", email_timeout_seconds=2)
    await enqueue("bob@example.org", "verify_email", _context())
    await worker.drain(wrong)
    [row] = await MailOutbox.all()
    assert row.attempts == 1 and row.gave_up_at is None, row.last_error  # kept for when the settings are fixed
    assert len(smtp.messages) == 1


async def test_the_file_transport_writes_one_eml_per_message(app_settings, tmp_path):
    settings = app_settings.replace(email_url=f"file://{tmp_path / 'mail'}")
    row = await enqueue("ada@example.org", "verify_email", _context())
    assert await worker.drain(settings) == 1
    [path] = (tmp_path / "mail").glob("*.eml")
    assert row.message_id in path.name
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Confirm your email address"
    assert "https://front.example/verify?token=abc" in message.get_body(("plain",)).get_content()


async def test_mail_is_written_in_the_members_locale(mail_settings, smtp, factory):
    member = await factory.user(email="li@example.org", locale="zh-CN")
    await enqueue_for(member, "verify_email", _context(email="li@example.org"))
    await enqueue("x@example.org", "verify_email", _context())  # no locale: DEFAULT_LOCALE
    await worker.drain(mail_settings.replace(default_locale="en"))
    subjects = {m["To"]: m["Subject"] for m in smtp.messages}
    assert subjects == {"li@example.org": "请验证您的邮箱地址", "x@example.org": "Confirm your email address"}


async def test_a_community_overrides_a_template_in_its_folder(mail_settings, smtp, tmp_path):
    folder = tmp_path / "templates" / "en"
    folder.mkdir(parents=True)
    (folder / "verify_email.txt").write_text("Subject: Welcome to the Guild, $display_name\n\nClick: $link\n")
    await enqueue("ada@example.org", "verify_email", _context())
    await worker.drain(mail_settings.replace(email_templates_dir=tmp_path / "templates"))
    [message] = smtp.messages
    assert message["Subject"] == "Welcome to the Guild, Ada"
    assert message.get_body(("plain",)).get_content().startswith("Click: https://front.example/")
    assert "Confirm my address" in message.get_body(("html",)).get_content()  # the built-in HTML stays


async def test_a_message_that_cannot_be_rendered_waits_and_the_others_go(mail_settings, smtp):
    await enqueue("ada@example.org", "no_such_template", {})
    await enqueue("bob@example.org", "verify_email", _context(display_name="Bob"))
    assert await worker.drain(mail_settings) == 2
    assert [m["To"] for m in smtp.messages] == ["bob@example.org"]
    [row] = await MailOutbox.all()
    assert row.to_address == "ada@example.org" and row.last_error.startswith("render:") and row.gave_up_at is None


async def test_mail_is_dkim_signed_when_a_key_is_set(mail_settings, smtp, tmp_path):
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "dkim.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    settings = mail_settings.replace(
        email_from="Guild <noreply@guild.example>",
        email_dkim_selector="mail2026",
        email_dkim_key_file=tmp_path / "dkim.pem",
    )
    await enqueue("ada@example.org", "verify_email", _context())
    await worker.drain(settings)
    [message] = smtp.messages
    assert "s=mail2026" in message["DKIM-Signature"] and "d=guild.example" in message["DKIM-Signature"]
    record = b"v=DKIM1; k=rsa; p=" + __import__("base64").b64encode(public)

    def dns(name, timeout=5):
        return record if name == b"mail2026._domainkey.guild.example." else None

    assert dkim.verify(message.as_bytes(), dnsfunc=dns)
