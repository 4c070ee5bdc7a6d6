"""The read path's client (`search.client.multi_search`): searches share kept-alive connections,
a search on a connection the server dropped is sent again, and a restarted server is found."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from api.meili_process import MeiliProcess, free_port
from search import client as search_client
from search.client import meili_url
from search.indexes import apply_settings
from search.query import Scope, Unavailable, search
from tests.search.helpers import published, sync

ADMIN = Scope(signed_in=True, admin=True, role="ADMIN")


async def _found(settings, text: str) -> list[int]:
    return [h.id for h in (await search(settings, ADMIN, text, kind_names=["article"])).hits]


class _Proxy:
    """A TCP proxy on loopback in front of Meilisearch, to watch the client from the outside: it
    counts the connections it accepts and, when told, closes the next connection a request comes in
    on without passing the request on (a server dropping a kept-alive connection just then)."""

    def __init__(self, upstream: str) -> None:
        parsed = urlsplit(upstream)
        self.upstream = (parsed.hostname, parsed.port)
        self.accepted = self.dropped = 0
        self.drop_next = False

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)

        async def answers() -> None:
            while data := await up_reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()

        answering = asyncio.create_task(answers())
        try:
            while data := await reader.read(65536):
                if self.drop_next:
                    self.drop_next, self.dropped = False, self.dropped + 1
                    break
                up_writer.write(data)
                await up_writer.drain()
        finally:
            answering.cancel()
            writer.close()
            up_writer.close()


async def test_searches_share_one_kept_alive_connection(app_settings, factory):
    author = await factory.user()
    article = await published(author, app_settings, "Lighthouse rota", "who keeps the lamp")
    await sync(app_settings)
    proxy = _Proxy(meili_url(app_settings))
    async with proxy as url:
        through = app_settings.replace(meili_url=url)
        for _ in range(3):
            assert await _found(through, "lighthouse") == [article.id]
        await search_client.close_search_clients()
    assert proxy.accepted == 1


async def test_a_search_whose_connection_was_dropped_is_sent_again(app_settings, factory):
    author = await factory.user()
    article = await published(author, app_settings, "Tide tables", "low water at noon")
    await sync(app_settings)
    proxy = _Proxy(meili_url(app_settings))
    async with proxy as url:
        through = app_settings.replace(meili_url=url)
        assert await _found(through, "tide") == [article.id]  # a kept-alive connection now
        proxy.drop_next = True
        assert await _found(through, "noon") == [article.id]
        await search_client.close_search_clients()
    assert (proxy.dropped, proxy.accepted) == (1, 2)


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
