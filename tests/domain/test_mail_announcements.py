"""Announcements mailed to their audience: once, when published (now or by the scheduler, with
several processes), never to members who unsubscribed, in each member's locale."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from api.domain.mail import worker
from api.domain.mail.preferences import PreferencesInput, set_preferences
from api.domain.moderation.announcements import publish_announcement, publish_due
from api.models.mail import MailOutbox
from api.timeutil import now


async def test_an_announcement_is_mailed_to_its_audience(mail_settings, smtp, factory):
    staff = await factory.user(role="MODERATOR", email="mod@example.org")
    await factory.user(email="ada@example.org")
    await factory.user(email="li@example.org", locale="zh-CN")
    gone = await factory.user(email="gone@example.org")
    await set_preferences(gone, PreferencesInput(bulk_mail=False), settings=mail_settings)
    await publish_announcement(
        author_id=staff.id,
        title="Hall closed on Friday",
        body="The **hall** is closed.",
        mail=True,
        settings=mail_settings,
    )
    await publish_announcement(author_id=staff.id, title="Not mailed", body="Only in the app.", settings=mail_settings)
    await worker.drain(mail_settings)
    assert sorted(m["To"] for m in smtp.messages) == ["ada@example.org", "li@example.org", "mod@example.org"]
    mail = next(m for m in smtp.messages if m["To"] == "ada@example.org")
    assert mail["Subject"] == "Hall closed on Friday" and mail["List-Unsubscribe"] is not None
    assert "<strong>hall</strong>" in mail.get_body(("html",)).get_content()
    assert "http://localhost:3000/announcements/" in mail.get_body(("plain",)).get_content()
    li = next(m for m in smtp.messages if m["To"] == "li@example.org")
    assert "在网站上查看" in li.get_body(("plain",)).get_content()


async def test_a_role_announcement_reaches_that_role_only(mail_settings, smtp, factory):
    admin = await factory.user(role="ADMIN", email="admin@example.org")
    await factory.user(role="MODERATOR", email="mod@example.org")
    await factory.user(email="ada@example.org")
    await publish_announcement(
        author_id=admin.id,
        title="Staff meeting",
        body="Monday.",
        audience="ROLE",
        audience_role="MODERATOR",
        mail=True,
        settings=mail_settings,
    )
    await worker.drain(mail_settings)
    assert sorted(m["To"] for m in smtp.messages) == ["admin@example.org", "mod@example.org"]


async def test_a_scheduled_announcement_is_mailed_once_when_it_is_published(mail_settings, smtp, factory):
    staff = await factory.user(role="MODERATOR", email="mod@example.org")
    await factory.user(email="ada@example.org")
    await publish_announcement(
        author_id=staff.id,
        title="Later",
        body="Soon.",
        mail=True,
        publish_at=now() + timedelta(hours=1),
        settings=mail_settings,
    )
    assert await MailOutbox.all().count() == 0
    published = await asyncio.gather(*(publish_due(now() + timedelta(hours=2)) for _ in range(3)))
    assert sum(len(p) for p in published) == 1
    await worker.drain(mail_settings)
    assert sorted(m["To"] for m in smtp.messages) == ["ada@example.org", "mod@example.org"]
