"""Fixtures of the platform tests: apps built with some settings changed, served in-process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest_asyncio

from api.settings import Settings


@pytest_asyncio.fixture
async def make_client(app_settings: Settings) -> AsyncIterator:
    """`await make_client(**settings_changes)`: an ASGI client over an app built with those
    settings. `client=(host, port)` is the peer the app sees (loopback by default);
    `lifespan=True` runs the app's start-up (Redis when REDIS_URL is set), as a served process does."""
    from api.app import create_app
    from api.settings import set_settings

    async with AsyncExitStack() as stack:

        async def make(
            client: tuple[str, int] = ("127.0.0.1", 50000), lifespan: bool = False, **changes: Any
        ) -> httpx.AsyncClient:
            app = create_app(app_settings.replace(**changes), manage_db=False)
            if lifespan:
                await stack.enter_async_context(app.router.lifespan_context(app))
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=client), base_url="http://testserver")
            )

        yield make
    set_settings(app_settings)


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[int]:
    """`app` on a real uvicorn server in this process (WebSockets need one); yields its port."""
    import uvicorn

    from api.meili_process import free_port

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), task.exception()
            await asyncio.sleep(0.025)
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def first_message(ws: Any, poke: Any, tries: int = 80) -> dict:
    """The first message on a WebSocket, calling `await poke()` until one comes: a subscription
    starts listening asynchronously, so events published before that are never delivered."""
    import json

    for _ in range(tries):
        await poke()
        try:
            return json.loads(await asyncio.wait_for(ws.recv(), 0.25))
        except TimeoutError:
            continue
    raise AssertionError(f"no message after {tries} tries")
