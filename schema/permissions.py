"""Permissions, declared once per mutation or field and checked here, never by hand in resolvers.

Mutations: decorate the resolver with `@guard(Require.X)`. The guard checks the viewer's role
and sanctions, applies the write rate limit, and turns every `DomainError`
(raised here or by the domain service) into the payload's `errors`, so refusals are data.
Finer rules (author-only, committee chair...) are domain functions in `api/` that raise
`Forbidden`; the guard maps those too.

Fields: `permission_classes=[IsStaff]` etc. hide a field from viewers without the right.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

from strawberry.permission import BasePermission

from api.errors import DomainError, Forbidden
from api.models.accounts import Role
from api.policies import (
    is_admin,
    is_staff,
    require_member,
    require_role,
    restriction_error,
    restrictions_of,
)
from api.ratelimit import enforce
from schema.errors import user_errors


class Require(Enum):
    """Who may call a mutation at all."""

    ANYONE = "anyone"  # anonymous included (register, login)
    SIGNED_IN = "signed_in"  # any signed-in member, muted too (logout, own settings)
    MEMBER = "member"  # a signed-in member who is not muted or banned
    MODERATOR = "moderator"
    ADMIN = "admin"


_ROLE_OF = {Require.MODERATOR: Role.MODERATOR, Require.ADMIN: Role.ADMIN}


async def viewer_restrictions(info: Any) -> list:
    """The viewer's active mutes and bans, fetched once per request."""
    viewer = info.context.viewer
    return await restrictions_of(viewer, info.context.memo) if viewer else []


async def check_requirement(info: Any, require: Require) -> None:
    """Raise the `DomainError` that refuses this viewer, if any."""
    if require is Require.ANYONE:
        return
    viewer = require_member(info.context.viewer)
    if require is Require.SIGNED_IN:
        return
    if require in _ROLE_OF:
        require_role(viewer, _ROLE_OF[require])
    elif (
        info.context.settings.require_verified_email and viewer.email_verified_at is None and viewer.role == Role.MEMBER
    ):
        raise Forbidden("Verify your email address first (see requestEmailVerification).", field="email")
    error = restriction_error(await viewer_restrictions(info))
    if error:
        raise error


def _payload_class(fn: Callable[..., Any]) -> type:
    hints = typing.get_type_hints(fn, include_extras=False)
    return hints["return"]


def guard(require: Require, *, rate_limited: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a mutation resolver (which must take `info` and return a payload type)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        payload_cls: list[type] = []

        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            info = kwargs["info"]
            ctx = info.context
            try:
                await check_requirement(info, require)
                if rate_limited:
                    who = f"user:{ctx.viewer.id}" if ctx.viewer else f"client:{ctx.client}"
                    await enforce(ctx.limiter, f"write:{who}", ctx.settings.writes_per_minute)
                result = await fn(*args, **kwargs)
            except DomainError as exc:
                if not payload_cls:
                    payload_cls.append(_payload_class(fn))
                return payload_cls[0](errors=user_errors(exc))
            if not getattr(result, "errors", None):
                await ctx.cache.bump()  # cached public reads may now be stale
            return result

        wrapper.__guildhall_require__ = require  # type: ignore[attr-defined]  # a marker on the guarded resolver
        return wrapper

    return decorate


class IsAuthenticated(BasePermission):
    message = "Sign in first."

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.viewer is not None


class IsStaff(BasePermission):
    message = "Only moderators and admins may see this."

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return is_staff(info.context.viewer)


class IsAdmin(BasePermission):
    message = "Only admins may see this."

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return is_admin(info.context.viewer)


class IsSelfOrAdmin(BasePermission):
    """For fields of `User` that only the member themself and admins may read."""

    message = "Only the member and admins may see this."

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        return viewer is not None and (viewer.id == getattr(source, "id", None) or is_admin(viewer))
