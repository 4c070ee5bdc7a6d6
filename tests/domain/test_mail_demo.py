"""The demo's mail: verification mails queued for the demo members, their languages and choices."""

from __future__ import annotations

from api.demo import accounts, mail
from api.domain.mail.preferences import delivery, preferences_of
from api.models.accounts import User
from api.models.mail import Delivery, Digest, MailOutbox


async def test_demo_mail(app_settings):
    state: dict = {}
    await accounts.seed(app_settings, state)
    await mail.seed(app_settings, state)
    users = state["users"]
    assert await MailOutbox.filter(template="verify_email").count() == len(users)
    assert (await User.get(id=users["李明"].id)).locale == "zh-CN"
    alice = await preferences_of(users["alice"].id)
    assert (alice.digest, alice.timezone) == (Digest.DAILY, "Asia/Shanghai")
    assert delivery(await preferences_of(users["bob"].id), "qa.accepted") == Delivery.IN_APP
