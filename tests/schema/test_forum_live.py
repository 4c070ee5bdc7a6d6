"""Live forum updates over a real WebSocket (graphql-transport-ws) against uvicorn servers:
in-process broker, and Redis pub/sub shared by two app instances. Visibility holds on
subscriptions too."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from strawberry.relay import GlobalID
from websockets.asyncio.client import connect

from api.app import create_app
from api.models.accounts import Role, Visibility
from api.pubsub import MemoryBroker, RedisBroker, set_broker
from tests.domain.forum_helpers import make_space, make_topic

POST_ADDED = "subscription($id: ID!) { postAdded(topicId: $id) { id body author { username } topic { title } } }"
TOPIC_ACTIVITY = "subscription($id: ID!) { topicActivity(spaceId: $id) { action topic { title } } }"
NOTIFICATIONS = "subscription { notificationAdded { kind message } }"
CREATE_POST = """mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } errors { code } } }"""
CREATE_TOPIC = """mutation($input: CreateTopicInput!) { createTopic(input: $input) { topic { id } errors { code } } }"""
REDIS_DB = 11  # a database of its own: rate limits and the read cache keep keys there
TIMEOUT = 5


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def serve(settings):
    """An app on a free port, its lifespan (runtime, broker) run by uvicorn."""
    port = _free_port()
    app = create_app(settings, manage_db=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield app, f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        set_broker(MemoryBroker())


class Subscriber:
    def __init__(self, ws) -> None:
        self.ws = ws

    async def receive(self) -> dict:
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
            if message["type"] in {"ping", "pong"}:
                continue
            return message

    async def nothing_within(self, seconds: float) -> bool:
        try:
            message = await asyncio.wait_for(self.receive(), seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message {message}")


async def _listening(app, channel: str) -> None:
    """Wait until the server has subscribed to `channel` on its broker."""
    broker = app.state.graphql.runtime.broker
    for _ in range(500):
        if isinstance(broker, RedisBroker):
            counts = dict(await broker._redis.pubsub_numsub(RedisBroker.PREFIX + channel))
            if counts.get(RedisBroker.PREFIX + channel, 0) > 0:
                return
        elif channel in broker._queues:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"nobody subscribed to {channel}")


@asynccontextmanager
async def subscribe(address: str, query: str, variables: dict | None = None, token: str | None = None):
    async with connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        subscriber = Subscriber(ws)
        assert (await subscriber.receive())["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
        )
        yield subscriber


async def _post(address: str, query: str, variables: dict, token: str) -> dict:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _world(factory, settings):
    admin = await factory.user("root", role="ADMIN")
    public = await make_space(admin, "Public")
    staff = await make_space(admin, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    author, author_token = await factory.member_with_token(username="poster")
    topic = await make_topic(author, public, settings, title="Live topic")
    mod, mod_token = await factory.member_with_token(role="MODERATOR")
    secret = await make_topic(mod, staff, settings, title="Secret topic")
    return {
        "public": public,
        "staff": staff,
        "topic": topic,
        "secret": secret,
        "author_token": author_token,
        "mod": mod,
        "mod_token": mod_token,
    }


async def test_post_added_and_topic_activity_in_process(factory, app_settings):
    w = await _world(factory, app_settings)
    _reader, reader_token = await factory.member_with_token()
    async with (
        serve(app_settings.replace(redis_url=None)) as (app, address),
        subscribe(address, POST_ADDED, {"id": gid("Topic", w["topic"].id)}, reader_token) as posts,
        subscribe(address, TOPIC_ACTIVITY, {"id": gid("Space", w["public"].id)}) as activity,
    ):
        await _listening(app, f"forum:topic:{w['topic'].id}")
        await _listening(app, f"forum:space:{w['public'].id}")
        data = await _post(
            address,
            CREATE_POST,
            {"input": {"topicId": gid("Topic", w["topic"].id), "body": "Hello **live**"}},
            w["author_token"],
        )
        message = await posts.receive()
        assert message["type"] == "next", message
        assert message["payload"]["data"]["postAdded"] == {
            "id": data["createPost"]["post"]["id"],
            "body": "Hello **live**",
            "author": {"username": "poster"},
            "topic": {"title": "Live topic"},
        }
        event = await activity.receive()
        assert event["payload"]["data"]["topicActivity"] == {"action": "REPLIED", "topic": {"title": "Live topic"}}
        await _post(
            address,
            CREATE_TOPIC,
            {"input": {"spaceId": gid("Space", w["public"].id), "title": "Fresh", "body": "New"}},
            w["author_token"],
        )
        event = await activity.receive()
        assert event["payload"]["data"]["topicActivity"] == {"action": "CREATED", "topic": {"title": "Fresh"}}


async def test_subscriptions_respect_visibility(factory, app_settings):
    w = await _world(factory, app_settings)
    _, outsider_token = await factory.member_with_token()
    async with serve(app_settings.replace(redis_url=None)) as (app, address):
        for query, variables in (
            (POST_ADDED, {"id": gid("Topic", w["secret"].id)}),
            (TOPIC_ACTIVITY, {"id": gid("Space", w["staff"].id)}),
        ):
            for token in (None, outsider_token):
                async with subscribe(address, query, variables, token) as sub:
                    message = await sub.receive()
                    assert message["type"] == "error" or message["payload"].get("errors"), message
                    assert "No such" in json.dumps(message)
        # Allowed to subscribe, but the space turns private meanwhile: events stop reaching them.
        async with (
            subscribe(address, POST_ADDED, {"id": gid("Topic", w["topic"].id)}, outsider_token) as sub,
            subscribe(address, POST_ADDED, {"id": gid("Topic", w["topic"].id)}, w["mod_token"]) as staff_sub,
        ):
            await _listening(app, f"forum:topic:{w['topic'].id}")
            from api.domain.forum import spaces

            await spaces.update_space(
                await factory.user("root2", role="ADMIN"),
                w["public"].id,
                spaces.SpaceInput(visibility=Visibility.PRIVATE, allowed_roles=[Role.MODERATOR]),
            )
            await _post(
                address,
                CREATE_POST,
                {"input": {"topicId": gid("Topic", w["topic"].id), "body": "psst"}},
                w["mod_token"],
            )
            assert (await staff_sub.receive())["payload"]["data"]["postAdded"]["body"] == "psst"
            assert await sub.nothing_within(0.3)


async def test_redis_carries_events_between_two_app_instances(factory, app_settings, monkeypatch):
    # Channels of this run only: other test runs may share the Redis server (and its ids).
    monkeypatch.setattr(RedisBroker, "PREFIX", f"guildhall-test-{uuid.uuid4().hex[:8]}:events:")
    redis_settings = app_settings.replace(redis_url=f"redis://127.0.0.1:6379/{REDIS_DB}")
    w = await _world(factory, app_settings)
    reader, reader_token = await factory.member_with_token()
    async with serve(redis_settings) as (app_a, address_a), serve(redis_settings) as (app_b, address_b):
        assert isinstance(app_a.state.graphql.runtime.broker, RedisBroker)
        assert app_a.state.graphql.runtime.broker is not app_b.state.graphql.runtime.broker
        async with (
            subscribe(address_a, POST_ADDED, {"id": gid("Topic", w["topic"].id)}, reader_token) as posts,
            subscribe(address_a, NOTIFICATIONS, {}, reader_token) as notes,
        ):
            await _listening(app_a, f"forum:topic:{w['topic'].id}")
            await _listening(app_a, f"notifications:{reader.id}")
            data = await _post(
                address_b,
                CREATE_POST,
                {"input": {"topicId": gid("Topic", w["topic"].id), "body": "from B to @" + reader.username}},
                w["author_token"],
            )
            message = await posts.receive()
            assert message["payload"]["data"]["postAdded"]["id"] == data["createPost"]["post"]["id"]
            note = await notes.receive()
            assert note["payload"]["data"]["notificationAdded"]["kind"] == "forum.mention"


@pytest.fixture(autouse=True)
def _memory_broker_after():
    yield
    set_broker(MemoryBroker())
