"""Demo data for the embedded default: every domain adds its part to `SEEDERS`.

`seed_demo` runs once per database (it checks for the demo admin), in seeder order."""

from __future__ import annotations

import importlib

from api.models.accounts import User
from api.settings import Settings

SEEDERS = [
    "api.demo.accounts",
    "api.demo.kb",
    "api.demo.forum",
    "api.demo.media",
    "api.demo.engagement",
    "api.demo.moderation",
    "api.demo.governance",
]

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "Guildhall-demo-2026"


async def seed_demo(settings: Settings, *, force: bool = False) -> bool:
    """Load demo data; False when it was already there (unless forced)."""
    if not force and await User.filter(username_key=DEMO_ADMIN).exists():
        return False
    state: dict = {}
    for name in SEEDERS:
        module = importlib.import_module(name)
        await module.seed(settings, state)
    return True
