"""Events and questions of accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.events import Event, Question


@dataclass(frozen=True)
class MemberRegistered(Event):
    """A new account exists (public sign-up, invitation or operator)."""

    name = "accounts.member_registered"
    public = True
    user_id: int
    sign_up: bool


@dataclass(frozen=True)
class AdmitMember(Question[None]):
    """Asked inside `register`'s transaction: raising refuses the sign-up and rolls it back."""

    user: Any  # User
    invite_code: str | None
    sign_up: bool


@dataclass(frozen=True)
class MemberAccessChanged(Event):
    """What a member may see or do shrank or changed (role, mute or ban, committee seat): their
    open sessions re-check at once and their search tenant tokens stop working."""

    name = "accounts.access_changed"
    user_id: int
    reason: str
