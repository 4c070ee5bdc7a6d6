"""GraphQL enums over the Python enums of `api/`, with a description for every value.

`api/` never imports strawberry, so its enums cannot use `strawberry.enum_value`; the
descriptions live here, beside the GraphQL type."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

from api.models.accounts import Visibility as _Visibility

E = TypeVar("E", bound=type[Enum])


def described_enum(cls: E, *, name: str, description: str, values: Mapping[str, str]) -> E:
    """`strawberry.enum(cls)` with `values[member name]` as each value's description; `cls` itself
    becomes the GraphQL enum (modules write `Role = models.Role` then `described_enum(Role, ...)`,
    so that mypy sees `Role` as the class it is).

    A member missing from `values` stays undescribed (the schema description test names it)."""
    enum = strawberry.enum(cls, name=name, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]  # set by strawberry.enum
        value.description = values.get(value.name, value.description)
    return enum


# Shared by every domain whose objects carry `api.models.accounts.Visibility`.
Visibility = _Visibility
described_enum(
    Visibility,
    name="Visibility",
    description="Who may see an object.",
    values={
        "PUBLIC": "Anyone, anonymous visitors included.",
        "MEMBERS": "Signed-in members.",
        "PRIVATE": "Only those listed (roles or committee members) and admins.",
    },
)
