"""Demo mail preferences: the Chinese-named members read their mail in Chinese, Alice takes a
daily digest in Shanghai time, Bob keeps accepted answers to the app. Mail itself goes to
`data/mail/*.eml` (EMAIL_URL's default), so `make run` shows what would be sent."""

from __future__ import annotations

from typing import Any

from api.domain.mail.preferences import PreferencesInput, set_preferences
from api.models.accounts import User
from api.models.mail import Delivery, Digest
from api.settings import Settings


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users: dict[str, User] = state["users"]
    for username in ("李明", "王芳", "张伟"):
        await User.filter(id=users[username].id).update(locale="zh-CN")
        users[username].locale = "zh-CN"
    await set_preferences(
        users["alice"], PreferencesInput(digest=Digest.DAILY, timezone="Asia/Shanghai"), settings=settings
    )
    await set_preferences(users["bob"], PreferencesInput(kinds={"qa.accepted": Delivery.IN_APP}), settings=settings)
