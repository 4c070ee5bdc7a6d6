"""Demo data for the embedded default: each domain's manifest names its seeder (`seeder=`), an
`async def seed(settings, state)` in a module here.

`seed_demo` runs once per database (it checks for the demo admin), in manifest order."""

from __future__ import annotations

from typing import Any

from api.models.accounts import User
from api.registry import registry
from api.settings import Settings

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "Guildhall-demo-2026"


async def seed_demo(settings: Settings, *, force: bool = False) -> bool:
    """Load demo data; False when it was already there (unless forced)."""
    if not force and await User.filter(username_key=DEMO_ADMIN).exists():
        return False
    state: dict[str, Any] = {}
    for seed in registry().seeders:
        await seed(settings, state)
    return True
