"""Cache of anonymous (public) GraphQL reads, invalidated by a version bumped on every write.

Any successful mutation and any background job that changed data bumps the version, so a cached
public read is never older than the last write (plus at most PUBLIC_CACHE_SECONDS for time-driven
changes such as scheduled publication). With REDIS_URL the cache and the version are shared by
every app process; otherwise they live in this process.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from redis.asyncio import Redis


class PublicCache(Protocol):
    async def version(self) -> int: ...

    async def bump(self) -> None: ...

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl: int) -> None: ...


class MemoryPublicCache:
    def __init__(self, max_entries: int = 2000) -> None:
        self._version = 0
        self._entries: dict[str, tuple[float, str]] = {}
        self._max = max_entries

    async def version(self) -> int:
        return self._version

    async def bump(self) -> None:
        self._version += 1
        self._entries.clear()

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    async def set(self, key: str, value: str, ttl: int) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + ttl, value)


class RedisPublicCache:
    VERSION_KEY = "guildhall:cache:version"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def version(self) -> int:
        return int(await self._redis.get(self.VERSION_KEY) or 0)

    async def bump(self) -> None:
        await self._redis.incr(self.VERSION_KEY)

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(f"guildhall:cache:{key}")  # str: the client decodes responses
        return cast(str | None, value)

    async def set(self, key: str, value: str, ttl: int) -> None:
        await self._redis.set(f"guildhall:cache:{key}", value, ex=ttl)
