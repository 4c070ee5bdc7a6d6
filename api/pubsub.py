"""Publish/subscribe for GraphQL subscriptions and session changes.

In-process by default. With REDIS_URL set, events travel through Redis pub/sub, so a
subscriber on one app process sees events published by any other. The app's runtime installs
the broker (`set_broker`); everyone reaches it through `publish` and `subscribe` here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

from api.transactions import after_commit

log = logging.getLogger(__name__)


class Broker:
    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        raise NotImplementedError

    def subscribe(self, channel: str) -> Any:
        """Async context manager yielding an async iterator of messages."""
        raise NotImplementedError

    async def close(self) -> None:
        return None


class MemoryBroker(Broker):
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[Any]]] = defaultdict(set)

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        for queue in list(self._queues.get(channel, ())):
            queue.put_nowait(message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1000)
        self._queues[channel].add(queue)

        async def messages() -> AsyncIterator[dict[str, Any]]:
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            self._queues[channel].discard(queue)
            if not self._queues[channel]:
                self._queues.pop(channel, None)


class RedisBroker(Broker):
    PREFIX = "guildhall:events:"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self._redis.publish(self.PREFIX + channel, json.dumps(message, default=str))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self.PREFIX + channel)

        async def messages() -> AsyncIterator[dict[str, Any]]:
            async for raw in pubsub.listen():
                if raw.get("type") != "message":
                    continue
                try:
                    yield json.loads(raw["data"])
                except (TypeError, ValueError):
                    log.warning("dropped a malformed event on %s", channel)

        try:
            yield messages()
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()


_broker: Broker | None = None


def get_broker() -> Broker:
    global _broker
    if _broker is None:
        _broker = MemoryBroker()
    return _broker


def set_broker(broker: Broker | None) -> None:
    global _broker
    _broker = broker


async def publish(channel: str, message: dict[str, Any]) -> None:
    """Publish once the current transaction commits (subscribers re-read what they hear of);
    a broker failure is logged, never fails the write that caused it."""

    async def send() -> None:
        try:
            await get_broker().publish(channel, message)
        except Exception:  # events are best-effort, the data is already stored
            log.exception("publishing on %s failed", channel)

    await after_commit(send)


def subscribe(channel: str) -> Any:
    """Async context manager yielding the messages published on `channel` from now on."""
    return get_broker().subscribe(channel)
