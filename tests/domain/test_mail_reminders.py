"""Reminders go by mail (issue 17): the lifecycle's AT_RISK reminder and the vote reminder are
mailed at once by default, and a member can keep them in the app only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from api.domain.growth import lifecycle
from api.domain.mail import worker
from api.domain.mail.preferences import KINDS, PreferencesInput, set_preferences
from api.models.accounts import User
from api.models.mail import Delivery

AT = datetime(2026, 6, 30, 12, tzinfo=UTC)
TODAY = date(2026, 6, 30)


def test_reminders_are_mailed_at_once_by_default():
    assert KINDS["growth.at_risk_reminder"] == Delivery.EMAIL
    assert KINDS["governance.vote_reminder"] == Delivery.EMAIL


async def test_an_at_risk_reminder_arrives_by_mail(mail_settings, smtp, factory):
    settings = mail_settings.replace(lifecycle_at_risk_days=30, lifecycle_inactive_days=90)
    away = await factory.user(email="away@example.org")
    quiet = await factory.user(email="quiet@example.org")
    here = await factory.user(email="here@example.org")
    for user, day in ((away, TODAY - timedelta(days=40)), (quiet, TODAY - timedelta(days=40)), (here, TODAY)):
        await User.filter(id=user.id).update(last_active_day=day, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    await set_preferences(
        quiet, PreferencesInput(kinds={"growth.at_risk_reminder": Delivery.IN_APP}), settings=settings
    )
    assert (await lifecycle.advance(settings, at=AT))["AT_RISK"] == 2
    await worker.drain(settings)
    assert [m["To"] for m in smtp.messages] == ["away@example.org"]
    assert settings.lifecycle_reminder in smtp.messages[0].get_body(("plain",)).get_content()
