"""Subscriptions: events decided on the member as they are now.

A subscription lives as long as its WebSocket, but nothing about the viewer is kept from when it
started: before each event, `events` reads the viewer again from their token (role, sanctions,
validity) and gives the operation fresh loaders and memo, so the resolver's visibility check (the
read policy) sees the member as they are now. A demoted moderator stops receiving a staff space's
posts at the next event; a revoked or banned session ends the subscription (and the watcher of the
socket closes it, see `api.app`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from api.models.accounts import User
from api.pubsub import subscribe
from schema.context import Info
from schema.errors import PublicError

SESSION_ENDED = "Your session has ended; sign in again."


async def events(info: Info, channel: str) -> AsyncIterator[dict[str, Any]]:
    """The messages published on `channel` from now on, each with the viewer re-read."""
    async with subscribe(channel) as messages:
        async for message in messages:
            if not await info.context.refresh():
                raise PublicError(SESSION_ENDED)
            yield message


def require_viewer(info: Info) -> User:
    viewer = info.context.viewer
    if viewer is None:
        raise PublicError("Sign in first.")
    return viewer
