"""The per-request GraphQL context: settings, the viewer, shared services and DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info as _Info

from api.models.accounts import AccessToken, User
from api.cache import MemoryPublicCache, PublicCache
from api.pubsub import Broker
from api.ratelimit import RateLimiter
from api.settings import Settings
from schema.loaders import Loaders

if TYPE_CHECKING:
    from starlette.requests import Request


@dataclass
class Context:
    settings: Settings
    limiter: RateLimiter
    broker: Broker
    request: Request | Any = None
    response: Any = None
    viewer: User | None = None
    token: AccessToken | None = None
    client: str = ""
    loaders: Loaders = field(default_factory=Loaders)
    cache: PublicCache = field(default_factory=MemoryPublicCache)
    # Filled by graphql-transport-ws on connection_init.
    connection_params: dict[str, Any] | None = None
    # Free per-request memo for domain lookups (e.g. the viewer's committee ids).
    memo: dict[str, Any] = field(default_factory=dict)

    def fresh(self) -> Context:
        """A copy with empty loaders: subscriptions live long, their reads must not be stale."""
        return Context(
            settings=self.settings, limiter=self.limiter, broker=self.broker, request=self.request,
            response=self.response, viewer=self.viewer, token=self.token, client=self.client,
            connection_params=self.connection_params, cache=self.cache,
        )


Info = _Info[Context, None]
