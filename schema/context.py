"""The per-operation GraphQL context: settings, the viewer, shared services and DataLoaders.

HTTP builds one per request. A WebSocket builds one per operation (query, mutation or
subscription) from the token given at `connection_init`, and a subscription refreshes it before
each event (`refresh`): who the viewer is and what they may do is never kept for a connection's
lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from strawberry.types import Info as _Info

from api.cache import MemoryPublicCache, PublicCache
from api.domain.accounts import authenticate
from api.domain.activity import record_visit
from api.domain.community.settings import effective
from api.models.accounts import AccessToken, User
from api.ratelimit import RateLimiter
from api.settings import Settings
from schema.loaders import Loaders

if TYPE_CHECKING:
    from starlette.requests import Request


@dataclass
class Context:
    settings: Settings  # in force for this operation: the deployment's with the community's values
    limiter: RateLimiter
    request: Request | Any = None
    response: Any = None
    viewer: User | None = None
    token: AccessToken | None = None
    # The bearer token a WebSocket signed in with: each operation re-authenticates with it.
    credentials: str | None = None
    client: str = ""
    loaders: Loaders = field(default_factory=Loaders)
    cache: PublicCache = field(default_factory=MemoryPublicCache)
    # Filled by graphql-transport-ws on connection_init.
    connection_params: dict[str, Any] | None = None
    # Per-operation memo for facts about the viewer (spaces, committee seats, restrictions).
    memo: dict[Any, Any] = field(default_factory=dict)
    # The deployment's settings (the environment's), from which `settings` is derived.
    base_settings: Settings = None  # type: ignore[assignment]  # set from `settings` in __post_init__

    def __post_init__(self) -> None:
        if self.base_settings is None:
            self.base_settings = self.settings

    @property
    def member(self) -> User:
        """The signed-in viewer, where a guard (`Require.SIGNED_IN` or stricter) or the object's
        visibility already refused anonymous viewers: no viewer here is a bug, not a refusal."""
        if self.viewer is None:
            raise RuntimeError("a signed-in viewer is required here (is the guard missing?)")
        return self.viewer

    async def for_operation(self) -> Context | None:
        """A context for one operation on this connection, with the viewer read now; None when
        the connection's session has ended (revoked, expired, banned)."""
        operation = replace(self, loaders=Loaders(), memo={})
        return operation if await operation.refresh() else None

    async def refresh(self) -> bool:
        """Read the viewer and the community settings again and forget what this operation
        loaded; False when signed-in credentials no longer authenticate (the viewer is then
        anonymous)."""
        self.loaders = Loaders()
        self.memo = {}
        self.settings = await effective(self.base_settings)
        if self.credentials is None:
            return True
        found = await authenticate(self.credentials, self.memo)
        if found is None:
            self.viewer = self.token = None
            return False
        self.viewer, self.token = found
        await record_visit(self.viewer, settings=self.settings)
        return True


Info = _Info[Context, None]
