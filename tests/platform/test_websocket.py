"""Subscriptions over graphql-transport-ws on a real uvicorn server, with the `websockets` client:
a token in connection_init signs the connection in; a bad token is rejected."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.domain.notifications import notify
from api.meili_process import free_port

SUBSCRIBE = {
    "id": "1",
    "type": "subscribe",
    "payload": {"query": "subscription { notificationAdded { kind message actor { username } } }"},
}


@pytest_asyncio.fixture
async def server_url(app_settings) -> AsyncIterator[str]:
    from api.app import create_app

    port = free_port()
    app = create_app(app_settings, manage_db=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        assert not task.done(), task.exception()
        await asyncio.sleep(0.025)
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await asyncio.wait_for(task, 10)


async def _ws(url: str, payload: dict | None):
    ws = await connect(url, subprotocols=["graphql-transport-ws"], open_timeout=5)
    await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    return ws


async def _next(ws, timeout: float = 10) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def test_a_signed_in_connection_receives_its_own_notifications(server_url, factory):
    user, token = await factory.member_with_token()
    actor = await factory.user("notifier")
    stranger = await factory.user()
    ws = await _ws(server_url, {"Authorization": f"Bearer {token}"})
    try:
        assert (await _next(ws))["type"] == "connection_ack"
        await ws.send(json.dumps(SUBSCRIBE))
        message = None
        for _ in range(40):  # the subscription is registered asynchronously: publish until it is
            await notify(stranger.id, "test.other", message="not for you")
            await notify(user.id, "test.ping", actor_id=actor.id, message="hello")
            try:
                message = await _next(ws, 0.25)
                break
            except TimeoutError:
                continue
        assert message == {
            "id": "1",
            "type": "next",
            "payload": {
                "data": {
                    "notificationAdded": {"kind": "test.ping", "message": "hello", "actor": {"username": "notifier"}}
                }
            },
        }
    finally:
        await ws.close()


async def test_a_bad_token_is_rejected_at_connection_init(server_url, factory):
    await factory.member_with_token()
    ws = await _ws(server_url, {"Authorization": "Bearer gh_not-a-real-token"})
    with pytest.raises(ConnectionClosed) as closed:
        await _next(ws)
    assert closed.value.rcvd.code == 4403


async def test_an_anonymous_connection_cannot_subscribe_to_notifications(server_url):
    ws = await _ws(server_url, None)
    try:
        assert (await _next(ws))["type"] == "connection_ack"
        await ws.send(json.dumps(SUBSCRIBE))
        reply = await _next(ws)
        errors = reply["payload"] if reply["type"] == "error" else reply["payload"]["errors"]
        assert [e["message"] for e in errors] == ["Sign in first."]
    finally:
        await ws.close()


async def test_a_subscription_ends_when_its_token_is_revoked(server_url, factory):
    from api.domain.accounts import authenticate, logout

    user, token = await factory.member_with_token()
    ws = await _ws(server_url, {"Authorization": f"Bearer {token}"})
    assert (await _next(ws))["type"] == "connection_ack"
    await ws.send(json.dumps(SUBSCRIBE))
    for _ in range(40):  # wait until the subscription delivers
        await notify(user.id, "test.ping", message="first")
        try:
            assert (await _next(ws, 0.25))["type"] == "next"
            break
        except TimeoutError:
            continue
    _, record = await authenticate(token)
    await logout(record)
    await notify(user.id, "test.ping", message="after logout")
    messages, code = await _drain_until_closed(ws, 5)
    assert code == 4401
    for message in messages:  # nothing after the logout reaches the client
        if message["type"] == "complete":
            continue
        payload = message["payload"]
        if message["type"] == "next" and payload.get("data"):
            assert payload["data"]["notificationAdded"]["message"] == "first", messages
        else:  # the subscription may notice before the socket closes
            errors = payload if message["type"] == "error" else payload["errors"]
            assert [e["message"] for e in errors] == ["Your session has ended; sign in again."]


async def _drain_until_closed(ws, timeout: float) -> tuple[list[dict], int | None]:
    received = []
    try:
        while True:
            received.append(json.loads(await asyncio.wait_for(ws.recv(), timeout)))
    except ConnectionClosed as closed:
        return received, closed.rcvd.code if closed.rcvd else None


async def _closed_code(ws, timeout: float) -> int | None:
    return (await _drain_until_closed(ws, timeout))[1]


async def test_signing_out_everywhere_closes_open_connections_at_once(server_url, factory):
    """Whatever the subscriptions (here one that never fires), the socket of a revoked token closes
    at once: the sign-out announces itself; the 30 s poll is not what closes it."""
    from api.domain.accounts import revoke_all_tokens

    user, token = await factory.member_with_token()
    ws = await _ws(server_url, {"Authorization": f"Bearer {token}"})
    assert (await _next(ws))["type"] == "connection_ack"
    await ws.send(json.dumps(SUBSCRIBE))
    assert await revoke_all_tokens(user.id) == 1
    assert await _closed_code(ws, 5) == 4401


async def test_a_ban_closes_open_connections_within_the_check_interval(app_settings, factory):
    from datetime import timedelta

    from api.app import create_app
    from api.models.accounts import Sanction, SanctionKind
    from api.timeutil import now

    port = free_port()
    app = create_app(app_settings.replace(ws_session_check_seconds=0.2), manage_db=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), task.exception()
            await asyncio.sleep(0.025)
        user, token = await factory.member_with_token()
        ws = await _ws(f"ws://127.0.0.1:{port}/graphql", {"Authorization": f"Bearer {token}"})
        assert (await _next(ws))["type"] == "connection_ack"
        await Sanction.create(user=user, kind=SanctionKind.BAN, ends_at=now() + timedelta(days=1))
        assert await _closed_code(ws, 5) == 4401
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
