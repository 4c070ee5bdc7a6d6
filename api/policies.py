"""Who may do what, as plain functions of the acting member. Used by domain services and by
the permission classes in `schema/permissions.py`, so every rule is written once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from tortoise.expressions import Q

from api.db import column
from api.errors import Forbidden, Sanctioned, Unauthenticated
from api.models.accounts import CommitteeMembership, Role, Sanction, SanctionKind, User, UserStatus, Visibility
from api.timeutil import now
from search.query import Scope


def role_of(user: User | None) -> Role | None:
    if user is None:
        return None
    role = user.role
    return role if type(role) is Role else Role(role)


def has_role(user: User | None, role: Role) -> bool:
    current = role_of(user)
    return current is not None and current.at_least(role)


# Set lookups: read policies ask per item (every post of a 200-post page), where building the
# enum and comparing ranks cost more than the rest of the rule. `Role` is a str enum, so the
# stored strings match too.
_STAFF = frozenset({Role.MODERATOR, Role.ADMIN})


def is_staff(user: User | None) -> bool:
    """Moderators and admins."""
    return user is not None and user.role in _STAFF


def is_admin(user: User | None) -> bool:
    return user is not None and user.role == Role.ADMIN


def require_member(user: User | None) -> User:
    if user is None:
        raise Unauthenticated("Sign in first.")
    return user


def require_role(user: User | None, role: Role) -> User:
    member = require_member(user)
    if not has_role(member, role):
        raise Forbidden(f"This needs the {role.value.lower()} role.")
    return member


def can_see(
    viewer: User | None,
    visibility: Visibility | str,
    *,
    allowed_roles: list[str] | None = None,
    is_listed: bool = False,
) -> bool:
    """Generic visibility rule: PUBLIC to all, MEMBERS to signed-in members, PRIVATE to staff,
    to the listed roles, or to those the caller has already found listed (`is_listed`)."""
    visibility = Visibility(visibility)
    if visibility is Visibility.PUBLIC:
        return True
    if viewer is None:
        return False
    if visibility is Visibility.MEMBERS:
        return True
    if is_admin(viewer) or is_listed:
        return True
    return bool(allowed_roles) and Role(viewer.role).value in (allowed_roles or [])


def sanction_active(sanction: Sanction, at: datetime | None = None) -> bool:
    at = at or now()
    return sanction.revoked_at is None and (sanction.ends_at is None or sanction.ends_at > at)


async def active_restrictions(user_id: int) -> list[Sanction]:
    """Mutes and bans of a member in force now (warnings do not restrict)."""
    at = now()
    rows = await Sanction.filter(
        user_id=user_id, kind__in=[SanctionKind.MUTE, SanctionKind.BAN], revoked_at__isnull=True
    )
    return [s for s in rows if sanction_active(s, at)]


def restriction_error(restrictions: list[Sanction]) -> Sanctioned | None:
    """The error a muted or banned member gets when trying to act, or None."""
    for sanction in sorted(restrictions, key=lambda s: s.kind != SanctionKind.BAN):
        until = "permanently" if sanction.ends_at is None else f"until {sanction.ends_at.isoformat()}"
        verb = "banned" if sanction.kind == SanctionKind.BAN else "muted"
        return Sanctioned(f"You are {verb} {until}.")
    return None


def shown_q(viewer: User | None, author_field: str = "author_id") -> Q:
    """Moderated content (`hidden`, `deleted_at` columns) a viewer may see: never what is deleted;
    what is hidden only to its author and staff."""
    live = Q(deleted_at__isnull=True)
    if is_staff(viewer):
        return live
    if viewer is None:
        return Q(live, Q(hidden=False))
    mine: dict[str, Any] = {author_field: viewer.id}
    return Q(live, Q(Q(hidden=False), Q(**mine), join_type="OR"))


def is_shown(viewer: User | None, row: object, author_field: str = "author_id") -> bool:
    """`shown_q` for a loaded row."""
    if getattr(row, "deleted_at", None) is not None:
        return False
    return (
        not getattr(row, "hidden", False)
        or is_staff(viewer)
        or (viewer is not None and getattr(row, author_field) == viewer.id)
    )


async def barred_ids(ids: list[int] | set[int]) -> set[int]:
    """Of these members, those who take part in no vote or draw: banned now, or marked inactive."""
    if not ids:
        return set()
    inactive = set(await column(User.filter(id__in=list(ids), status=UserStatus.INACTIVE), "id"))
    return inactive | await banned_ids(ids)


async def banned_ids(ids: list[int] | set[int]) -> set[int]:
    """Of these members, those banned now (one query for the lot)."""
    if not ids:
        return set()
    bans = await Sanction.filter(user_id__in=list(ids), kind=SanctionKind.BAN, revoked_at__isnull=True)
    return {s.user_id for s in bans if sanction_active(s)}


def _restrictions_key(user_id: int) -> tuple[str, int]:
    return ("restrictions", user_id)


def remember_restrictions(memo: dict[Any, Any] | None, user_id: int, restrictions: list[Sanction]) -> None:
    """Keep a member's restrictions, just read, in the operation's memo (`restrictions_of`)."""
    if memo is not None:
        memo[_restrictions_key(user_id)] = restrictions


async def restrictions_of(user: User, memo: dict[Any, Any] | None = None) -> list[Sanction]:
    """`active_restrictions` of a member, read once per operation (`memo`: the request's
    authentication, the mutation's guard and the domain service share one read)."""
    key = _restrictions_key(user.id)
    if memo is not None and key in memo:
        return cast(list[Sanction], memo[key])
    restrictions = await active_restrictions(user.id)
    remember_restrictions(memo, user.id, restrictions)
    return restrictions


async def require_can_act(user: User | None, memo: dict[Any, Any] | None = None) -> User:
    """A signed-in member who is neither muted nor banned (restrictions read once per `memo`)."""
    member = require_member(user)
    error = restriction_error(await restrictions_of(member, memo))
    if error:
        raise error
    return member


async def committee_seats(viewer: User | None, memo: dict[Any, Any] | None = None) -> frozenset[int]:
    """Ids of the committees the viewer sits on now, read once per operation (`memo`)."""
    if viewer is None:
        return frozenset()
    key = ("committee_seats", viewer.id)
    if memo is not None and key in memo:
        return cast(frozenset[int], memo[key])
    seats = frozenset(await column(CommitteeMembership.filter(user_id=viewer.id, left_at__isnull=True), "committee_id"))
    remember_committee_seats(memo, viewer.id, seats)
    return seats


def remember_committee_seats(memo: dict[Any, Any] | None, user_id: int, seats: frozenset[int]) -> None:
    """Keep a member's committee seats, just read (by authentication), in the operation's memo."""
    if memo is not None:
        memo[("committee_seats", user_id)] = seats


async def search_scope(viewer: User | None, memo: dict[Any, Any] | None = None) -> Scope:
    """What a viewer may find in search: the document-level form of the read policies (documents
    carry `visibility`, `allowed_roles`, `committee_ids`). Used by `search` and `searchToken`."""
    if viewer is None:
        return Scope()
    if is_admin(viewer):
        return Scope(signed_in=True, admin=True, role=Role(viewer.role).value)
    seats = await committee_seats(viewer, memo)
    return Scope(signed_in=True, role=Role(viewer.role).value, committee_ids=tuple(sorted(seats)))
