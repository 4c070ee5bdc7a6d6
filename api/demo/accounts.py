"""Demo members: an admin, a moderator and members with English and Chinese names, at the trust
levels a community a few months old would have given them (the job keeps levels 1 and 2; the
leader is locked by staff; 张伟 is new)."""

from __future__ import annotations

from typing import Any

from api.demo import DEMO_ADMIN, DEMO_PASSWORD
from api.domain.accounts import RegistrationInput, register, username_key
from api.models.accounts import Role, User
from api.settings import Settings

MEMBERS = [
    (DEMO_ADMIN, "Ada Admin", Role.ADMIN),
    ("mod", "Mo Moderator", Role.MODERATOR),
    ("alice", "Alice Chen", Role.MEMBER),
    ("bob", "Bob Martin", Role.MEMBER),
    ("李明", "李明", Role.MEMBER),
    ("王芳", "王芳", Role.MEMBER),
    ("carol", "Carol Diaz", Role.MEMBER),
    ("张伟", "张伟", Role.MEMBER),
]
TRUST_LEVELS = {"alice": 4, "bob": 2, "李明": 2, "carol": 1, "王芳": 1}


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users: dict[str, User] = {}
    for index, (username, display, role) in enumerate(MEMBERS):
        existing = await User.filter(username_key=username_key(username)).first()
        users[username] = existing or await register(
            RegistrationInput(
                username=username, email=f"user{index}@demo.guildhall.dev", password=DEMO_PASSWORD, display_name=display
            ),
            settings=settings,
            role=role,
        )
    for username, level in TRUST_LEVELS.items():
        await User.filter(id=users[username].id).update(trust_level=level, trust_level_locked=level == 4)
        users[username].trust_level = level
    state["users"] = users
