"""The read path's client (`search.client.multi_search`): searches share kept-alive connections,
a search on a connection the server dropped is sent again, and a restarted server is found."""

from __future__ import annotations

import httpx
import pytest

from api.meili_process import MeiliProcess, free_port
from search import client as search_client
from search.indexes import apply_settings
from search.query import Scope, Unavailable, search
from tests.search.helpers import published, sync

ADMIN = Scope(signed_in=True, admin=True, role="ADMIN")


async def _found(settings, text: str) -> list[int]:
    return [h.id for h in (await search(settings, ADMIN, text, kind_names=["article"])).hits]


def _pool(settings):
    return search_client._search_client(settings)._transport._pool  # httpcore's ConnectionPool


async def test_searches_share_one_kept_alive_connection(app_settings, factory):
    author = await factory.user()
    article = await published(author, app_settings, "Lighthouse rota", "who keeps the lamp")
    await sync(app_settings)
    await search_client.close_search_clients()  # a pool of this test's own
    for _ in range(3):
        assert await _found(app_settings, "lighthouse") == [article.id]
    connections = _pool(app_settings).connections
    assert len(connections) == 1 and connections[0].is_idle()


class _DropsFirst(httpx.AsyncBaseTransport):
    """The real transport, except that the first request meets a connection the server closed."""

    def __init__(self, real: httpx.AsyncBaseTransport) -> None:
        self.real, self.sent = real, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.sent == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return await self.real.handle_async_request(request)


async def test_a_search_whose_connection_was_dropped_is_sent_again(app_settings, factory):
    author = await factory.user()
    article = await published(author, app_settings, "Tide tables", "low water at noon")
    await sync(app_settings)
    client = search_client._search_client(app_settings)
    real = client._transport
    client._transport = dropping = _DropsFirst(real)
    try:
        assert await _found(app_settings, "tide") == [article.id]
    finally:
        client._transport = real
    assert dropping.sent == 2


async def test_a_restarted_server_is_searched_on_new_connections(clean_db, factory, tmp_root):
    """The pool holds a connection to the old server; the first search after the restart must
    neither fail nor hang on it (a kept-alive SDK session once hung here until its timeout)."""
    process = MeiliProcess(tmp_root / f"meili-restart-{free_port()}", "restart-master-key-0123456789", port=free_port())
    process.start()
    settings = clean_db.replace(
        meili_url=process.url, meili_master_key=process.master_key, meili_index_prefix="restart"
    )
    try:
        await apply_settings(settings)
        author = await factory.user()
        article = await published(author, settings, "Ferry strike", "no boats on monday")
        await sync(settings)
        assert await _found(settings, "ferry") == [article.id]
        process.stop()
        with pytest.raises(Unavailable):
            await _found(settings, "ferry")
        process.start()
        assert await _found(settings, "ferry") == [article.id]
        assert await _found(settings, "monday") == [article.id]
    finally:
        process.stop()
