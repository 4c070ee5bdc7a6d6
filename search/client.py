"""The Meilisearch clients: the SDK's, only ever called off the event loop (`call` runs it in a
worker thread), and `multi_search`, the read path, sent from the event loop on kept-alive connections.

The SDK is not thread-safe: a client keeps the headers of the request being sent in one dict
shared by all its calls (a POST sets `Content-Type`, a GET or DELETE removes it), so a search
(POST) sent while another thread deletes an index or polls a task could go out without its
`Content-Type` and fail with `missing_content_type` (seen during index swaps on a busy
machine). `get_client` therefore hands out a proxy that runs every call on a client of the
calling thread's own.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import meilisearch
import orjson
import requests
from meilisearch._httprequests import HttpRequests

from api import tracing
from api.settings import Settings, get_settings

T = TypeVar("T")


class _SessionRequests(HttpRequests):
    """The SDK's requests sent through one `requests.Session` instead of `requests.post` & co.,
    which build a session (adapters, pool manager) for every call: about 0.7 ms of CPU per search.
    `Connection: close` keeps each call on a fresh connection, as before: with keep-alive
    connections reused, the search tests that restart a Meilisearch server at times hung until the
    read timeout (cause not found)."""

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.session = requests.Session()
        self.headers["Connection"] = "close"

    def send_request(self, http_method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # By name (`get`, `post`...): the SDK tells GET apart by the function's `__name__`.
        return super().send_request(getattr(self.session, http_method.__name__), *args, **kwargs)


class ThreadLocalClient:
    """Looks like `meilisearch.Client`; each thread calling it gets its own underlying client.
    Methods are resolved when called (in the worker thread), not when looked up."""

    def __init__(self, url: str, key: str | None, timeout: int = 10) -> None:
        self._args = (url, key)
        self._timeout = timeout
        self._local = threading.local()

    def own(self) -> meilisearch.Client:
        """The calling thread's client."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = meilisearch.Client(*self._args, timeout=self._timeout)
            client.http = _SessionRequests(client.config)  # the client's own calls (multi-search...)
        return client

    def __getattr__(self, name: str) -> Any:
        if not callable(getattr(meilisearch.Client, name, None)):
            return getattr(self.own(), name)

        def method(*args: Any, **kwargs: Any) -> Any:
            return getattr(self.own(), name)(*args, **kwargs)

        method.__name__ = name
        method.__qualname__ = f"Client.{name}"  # spans and logs name the SDK method
        return method


_clients: dict[tuple[str, str], ThreadLocalClient] = {}
_lock = threading.Lock()


def meili_url(settings: Settings) -> str:
    from api.meili_process import local_url

    return settings.meili_url or local_url(settings)


def get_client(settings: Settings | None = None) -> Any:
    """The client of `settings`' Meilisearch (a `ThreadLocalClient`, used like `meilisearch.Client`)."""
    settings = settings or get_settings()
    key = (meili_url(settings), settings.meili_master_key)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.setdefault(key, ThreadLocalClient(key[0], key[1] or None))
    return client


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking client call in a worker thread (a span of its own when tracing)."""
    with tracing.meili_span(fn):
        return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))


async def is_healthy(settings: Settings | None = None) -> bool:
    try:
        return await call(get_client(settings).is_healthy)
    except Exception:  # noqa: BLE001
        return False


# The read path: searches go out from the event loop on an `httpx.AsyncClient` of the loop's own
# (a client's pool belongs to the loop that opened it), over kept-alive connections: no worker
# thread, no connection set-up per search. The SDK's path took about 1.2 ms longer than the same
# request sent straight from the loop; this one is within 0.1-0.3 ms of it (bench/search.py).
_search_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)
# Idle pooled connections are dropped after this long, before the server's own keep-alive timeout
# (actix-web's default under Meilisearch: 5 s) would close them under a request.
_KEEPALIVE_SECONDS = 4.0
_JSON = {"Content-Type": "application/json"}


def _search_client(settings: Settings) -> httpx.AsyncClient:
    url, key = meili_url(settings), settings.meili_master_key or ""
    clients = _search_clients.setdefault(asyncio.get_running_loop(), {})
    client = clients.get((url, key))
    if client is None or client.is_closed:
        client = clients[(url, key)] = httpx.AsyncClient(
            base_url=url,
            headers={"Authorization": f"Bearer {key}"} if key else {},
            timeout=httpx.Timeout(10.0, connect=5.0),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=_KEEPALIVE_SECONDS),
        )
    return client


async def multi_search(settings: Settings, queries: list[dict[str, Any]], federation: dict[str, Any]) -> Any:
    """A federated multi-search; raises `httpx.HTTPError` (an error answer included). Sent a
    second time once if the connection fails: a pooled connection the server (restarted, say)
    closed is only found out when written to, and a search changes nothing."""
    body = orjson.dumps({"queries": queries, "federation": federation})
    with tracing.meili_span(multi_search):
        for attempt in (1, 2):
            try:
                response = await _search_client(settings).post("/multi-search", content=body, headers=_JSON)
                break
            except (httpx.TimeoutException, httpx.UnsupportedProtocol):
                raise
            except httpx.TransportError:
                if attempt == 2:
                    raise
        response.raise_for_status()
        return orjson.loads(response.content)


async def close_search_clients() -> None:
    """Close the running loop's search clients (an app's shutdown)."""
    for client in _search_clients.pop(asyncio.get_running_loop(), {}).values():
        await client.aclose()
