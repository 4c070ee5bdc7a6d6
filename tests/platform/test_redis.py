"""Redis-backed rate limiter, broker and runtime against the real Redis (REDIS_URL_FOR_TESTS,
default redis://127.0.0.1:6379/15). Two clients stand for two app processes."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from api.errors import RateLimited
from api.pubsub import RedisBroker
from api.ratelimit import RedisRateLimiter, enforce

REDIS_URL = os.environ.get("REDIS_URL_FOR_TESTS") or "redis://127.0.0.1:6379/15"


async def _connect():
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL, decode_responses=True)
    try:
        await asyncio.wait_for(client.ping(), 2)
    except Exception as exc:  # noqa: BLE001
        await client.aclose()
        pytest.skip(f"Redis at {REDIS_URL} does not answer ({type(exc).__name__}); set REDIS_URL_FOR_TESTS")
    return client


@pytest_asyncio.fixture
async def redis_pair() -> AsyncIterator[tuple]:
    """Two independent connections, as two app processes would have."""
    first, second = await _connect(), await _connect()
    yield first, second
    keys = [k async for k in first.scan_iter("guildhall:rl:test-*")]
    if keys:
        await first.delete(*keys)
    await first.aclose()
    await second.aclose()


async def _subscribed(raw, channel: str) -> None:
    """Wait until Redis counts a subscriber on `channel` (SUBSCRIBE is not acknowledged)."""
    for _ in range(200):
        if (await raw.pubsub_numsub(RedisBroker.PREFIX + channel))[0][1] > 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no subscriber on {channel}")


def _key() -> str:
    return f"test-{uuid.uuid4().hex}"


async def test_rate_limit_counts_are_shared_between_processes(redis_pair):
    one, two = RedisRateLimiter(redis_pair[0]), RedisRateLimiter(redis_pair[1])
    key = _key()
    assert await one.hit(key, limit=3, window_seconds=60)
    assert await two.hit(key, limit=3, window_seconds=60)
    assert await one.peek(key, limit=3, window_seconds=60)
    assert await two.hit(key, limit=3, window_seconds=60)
    assert not await one.peek(key, limit=3, window_seconds=60)
    assert not await one.hit(key, limit=3, window_seconds=60)
    with pytest.raises(RateLimited):
        await enforce(two, key, limit=3, window_seconds=60)
    other = _key()
    assert await two.hit(other, limit=3, window_seconds=60)  # keys are independent


async def test_rate_limit_keys_expire_and_reset_clears_them(redis_pair):
    limiter, raw = RedisRateLimiter(redis_pair[0]), redis_pair[1]
    key = _key()
    assert await limiter.hit(key, limit=5, window_seconds=60, cost=5)
    assert not await limiter.hit(key, limit=5, window_seconds=60)
    stored = [k async for k in raw.scan_iter(f"guildhall:rl:{key}:*")]
    assert len(stored) == 1 and 0 < await raw.ttl(stored[0]) <= 61
    await limiter.reset(key)
    assert [k async for k in raw.scan_iter(f"guildhall:rl:{key}:*")] == []
    assert await limiter.hit(key, limit=5, window_seconds=60)


async def test_events_published_by_one_process_reach_subscribers_of_another(redis_pair):
    publisher, subscriber = RedisBroker(redis_pair[0]), RedisBroker(redis_pair[1])
    channel = f"test:{uuid.uuid4().hex}"
    async with subscriber.subscribe(channel) as messages:
        await _subscribed(redis_pair[0], channel)
        await redis_pair[0].publish(RedisBroker.PREFIX + channel, "not json{")  # dropped, not fatal
        await publisher.publish(channel, {"id": 7})
        await publisher.publish(f"{channel}:other", {"id": 8})
        await publisher.publish(channel, {"id": 9, "at": "2030-01-01"})
        received = [await asyncio.wait_for(messages.__anext__(), 10) for _ in range(2)]
    assert received == [{"id": 7}, {"id": 9, "at": "2030-01-01"}]
    assert await redis_pair[0].pubsub_numsub(RedisBroker.PREFIX + channel) == [
        (RedisBroker.PREFIX + channel, 0)
    ]  # unsubscribed on exit


async def test_runtime_with_redis_url_shares_limits_and_events(redis_pair, app_settings):
    from api.pubsub import get_broker, publish
    from api.runtime import Runtime

    settings = app_settings.replace(redis_url=REDIS_URL)
    one, two = await Runtime.start(settings), await Runtime.start(settings)
    try:
        assert isinstance(one.limiter, RedisRateLimiter) and isinstance(two.broker, RedisBroker)
        key = _key()
        await one.limiter.hit(key, limit=1, window_seconds=60)
        assert not await two.limiter.hit(key, limit=1, window_seconds=60)
        channel = f"test:{uuid.uuid4().hex}"
        async with one.broker.subscribe(channel) as messages:
            await _subscribed(redis_pair[0], channel)
            assert get_broker() is two.broker  # the last started runtime is this process's broker
            await publish(channel, {"id": 1})
            assert await asyncio.wait_for(messages.__anext__(), 10) == {"id": 1}
    finally:
        await one.stop()
        await two.stop()


async def test_the_app_rate_limits_logins_across_processes_through_redis(redis_pair, app_settings, factory):
    """Two app instances (two processes behind a load balancer) share the login limit."""
    import httpx

    from api.app import create_app

    settings = app_settings.replace(redis_url=REDIS_URL, login_attempts_per_minute=2)
    await factory.user(f"rl{uuid.uuid4().hex[:8]}")
    name = f"nobody-{uuid.uuid4().hex[:8]}"
    login = (
        "mutation($i: LoginInput!) { login(input: $i) { errors { code } } }",
        {"i": {"login": name, "password": "wrong-password-123"}},
    )
    client_ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    codes = []
    apps = [create_app(settings, manage_db=False) for _ in range(2)]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        for index in range(3):
            app = apps[index % 2]
            transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                body = (await http.post("/graphql", json={"query": login[0], "variables": login[1]})).json()
                codes.append(body["data"]["login"]["errors"][0]["code"])
    assert codes == ["UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED"]
    raw = redis_pair[0]
    keys = [
        k
        async for k in raw.scan_iter("guildhall:rl:login:*")
        if k.startswith((f"guildhall:rl:login:name:{name}:", f"guildhall:rl:login:client:{client_ip}:"))
    ]
    assert len(keys) == 2
    await raw.delete(*keys)
