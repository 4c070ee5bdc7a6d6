"""Community settings: the policy part of `api.settings.Settings` (fields marked `community`),
which admins change at run time, like Discourse's site settings. Deployment settings stay in the
environment.

The environment gives each one its default; an admin's value is stored in `community_settings`
as the text its environment variable would hold and parsed by the same parser, so a value means
the same wherever it is set. `effective(base)` is `base` with the stored values, cached per
process: a change is effective at once in this process, in every other one when they hear of it
on the broker (Redis with several processes), and at the latest after `CACHE_SECONDS`.
Lengths are checked against the columns they bound (`bounds` of a setting), at start-up and on
every change.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, fields
from typing import Any

from api.domain.community.events import CommunitySettingsChanged
from api.errors import DomainError, Invalid, collect
from api.events import emit
from api.models.accounts import Role, User
from api.models.community import CommunitySetting
from api.policies import require_role
from api.pubsub import publish
from api.registry import RegistryError, registry
from api.settings import Settings, SettingsError
from api.transactions import transaction

CHANNEL = "community.settings"
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Definition:
    name: str  # attribute of Settings
    env: str
    doc: str
    parse: Any
    bounds: tuple[str, ...]


def definitions() -> dict[str, Definition]:
    """The community settings by environment name."""
    return {
        f.metadata["env"]: Definition(
            f.name, f.metadata["env"], f.metadata["doc"], f.metadata["parse"] or str, tuple(f.metadata["bounds"])
        )
        for f in fields(Settings)
        if f.metadata.get("community")
    }


def as_text(value: Any) -> str:
    """A setting's value written as its environment variable would hold it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(f"{item[0]}={item[1]}" if isinstance(item, tuple) else str(item) for item in value)
    return str(value)


def column_length(bound: str) -> int:
    """max_length of the column "app.Model.field" (the models of the app's manifest)."""
    app, model, field = bound.split(".")
    for module in registry().tortoise_apps.get(app, []):
        found = getattr(importlib.import_module(module), model, None)
        if found is not None:
            length: int = found._meta.fields_map[field].max_length
            return length
    raise RegistryError(f"setting bound {bound!r} names no model field")


def bound_problems(settings: Settings) -> list[str]:
    """Settings whose value exceeds a column it bounds, as operator-readable lines."""
    problems = []
    for definition in definitions().values():
        value = getattr(settings, definition.name)
        for bound in definition.bounds:
            length = column_length(bound)
            if isinstance(value, int) and value > length:
                problems.append(f"setting {definition.env}={value} exceeds the {length} characters of {bound}")
    return problems


def check_bounds(settings: Settings) -> None:
    """Start-up check: raise `SettingsError` naming every limit its columns cannot hold."""
    problems = bound_problems(settings)
    if problems:
        raise SettingsError("; ".join(problems))


class _Cache:
    def __init__(self) -> None:
        self.overrides: dict[str, str] | None = None
        self.loaded_at = 0.0

    def clear(self) -> None:
        self.overrides = None


_cache = _Cache()


def forget() -> None:
    """Drop this process's copy (another process changed the settings)."""
    _cache.clear()


def prime(stored: dict[str, str]) -> None:
    """Set this process's copy (tests that emptied the table)."""
    _cache.overrides, _cache.loaded_at = dict(stored), time.monotonic()


async def overrides() -> dict[str, str]:
    """The stored values by environment name (cached per process)."""
    if _cache.overrides is None or time.monotonic() - _cache.loaded_at > CACHE_SECONDS:
        rows = await CommunitySetting.all().values_list("key", "value")
        _cache.overrides = dict(rows)
        _cache.loaded_at = time.monotonic()
    return _cache.overrides


def apply(base: Settings, stored: dict[str, str]) -> Settings:
    """`base` with the stored values (a stored value that no longer parses is ignored)."""
    known = definitions()
    changes: dict[str, Any] = {}
    for env, raw in stored.items():
        definition = known.get(env)
        if definition is None:
            continue
        try:
            changes[definition.name] = definition.parse(raw)
        except (TypeError, ValueError):
            continue
    return base.replace(**changes) if changes else base


async def effective(base: Settings) -> Settings:
    """The settings in force: the deployment's, with the community's values."""
    stored = await overrides()
    return apply(base, stored) if stored else base


@dataclass(frozen=True)
class SettingView:
    key: str
    value: str
    default: str
    description: str
    overridden: bool


async def current(base: Settings) -> list[SettingView]:
    stored = await overrides()
    now_in_force = apply(base, stored)
    return [
        SettingView(
            key=env,
            value=as_text(getattr(now_in_force, d.name)),
            default=as_text(getattr(base, d.name)),
            description=d.doc,
            overridden=env in stored,
        )
        for env, d in sorted(definitions().items())
    ]


@dataclass(frozen=True)
class Change:
    key: str
    value: str | None  # None: back to the environment's default


async def update(actor: User | None, changes: list[Change], *, settings: Settings) -> Settings:
    """Admins change community settings: every value is parsed and checked (against the columns
    it bounds too) before anything is stored; all or nothing. Returns the settings now in force.
    `settings` are the deployment's (the defaults)."""
    admin = require_role(actor, Role.ADMIN)
    known = definitions()
    errors: list[DomainError] = []
    parsed: dict[str, Any] = {}
    for index, change in enumerate(changes):
        field = f"changes.{index}.value"
        definition = known.get(change.key)
        if definition is None:
            errors.append(Invalid(f"{change.key!r} is not a community setting.", field=f"changes.{index}.key"))
            continue
        if change.value is None:
            continue
        try:
            parsed[definition.name] = definition.parse(change.value.strip())
        except (TypeError, ValueError) as exc:
            errors.append(Invalid(f"{change.key}: {exc}.", field=field))
    collect(errors)
    stored = dict(await overrides())
    for change in changes:
        if change.value is None:
            stored.pop(change.key, None)
        else:
            stored[change.key] = change.value.strip()
    candidate = apply(settings, stored)
    try:
        candidate.validate()
    except SettingsError as exc:
        raise Invalid(str(exc), field="changes") from None
    if problems := bound_problems(candidate):
        raise Invalid("; ".join(problems), field="changes")
    async with transaction():
        for change in changes:
            if change.value is None:
                await CommunitySetting.filter(key=change.key).delete()
            else:
                await CommunitySetting.update_or_create(
                    key=change.key, defaults={"value": change.value.strip(), "updated_by_id": admin.id}
                )
        await emit(
            CommunitySettingsChanged(
                actor_id=admin.id,
                changes=tuple(f"{c.key}={'' if c.value is None else c.value.strip()}" for c in changes),
            )
        )
        await publish(CHANNEL, {"by": admin.id})
    forget()
    return candidate
