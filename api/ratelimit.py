"""Fixed-window rate limits. Redis-backed when REDIS_URL is set, so every app process shares
the same counters; in-process otherwise (the embedded single-process default)."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

from api.errors import RateLimited


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int, *, cost: int = 1) -> bool:
        """Count `cost` against `key`; False when the window's limit is exceeded."""

    async def hit_all(self, keys: list[str], limit: int, window_seconds: int, *, cost: int = 1) -> bool:
        """Count `cost` against every key in one atomic step; False when any is over `limit`."""

    async def peek(self, key: str, limit: int, window_seconds: int) -> bool:
        """True while `key` is still under `limit` in the current window (counts nothing)."""

    async def reset(self, key: str) -> None: ...


def _window(window_seconds: int) -> int:
    return math.floor(time.time() / window_seconds)


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    def _current(self, key: str, window_seconds: int) -> tuple[int, int]:
        window = _window(window_seconds)
        stored = self._counts.get(key)
        if stored is None or stored[0] != window:
            return window, 0
        return stored

    async def hit(self, key: str, limit: int, window_seconds: int, *, cost: int = 1) -> bool:
        window, count = self._current(key, window_seconds)
        count += cost
        self._counts[key] = (window, count)
        if len(self._counts) > 100_000:  # drop stale windows now and then
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        return count <= limit

    async def hit_all(self, keys: list[str], limit: int, window_seconds: int, *, cost: int = 1) -> bool:
        # No await in between: atomic within the event loop.
        return all([await self.hit(key, limit, window_seconds, cost=cost) for key in keys])

    async def peek(self, key: str, limit: int, window_seconds: int) -> bool:
        return self._current(key, window_seconds)[1] < limit

    async def reset(self, key: str) -> None:
        self._counts.pop(key, None)


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    def _key(self, key: str, window_seconds: int) -> str:
        return f"guildhall:rl:{key}:{_window(window_seconds)}"

    async def hit(self, key: str, limit: int, window_seconds: int, *, cost: int = 1) -> bool:
        rkey = self._key(key, window_seconds)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(rkey, cost)
            pipe.expire(rkey, window_seconds + 1)
            count, _ = await pipe.execute()
        return int(count) <= limit

    async def hit_all(self, keys: list[str], limit: int, window_seconds: int, *, cost: int = 1) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:  # MULTI/EXEC: one atomic step
            for key in keys:
                rkey = self._key(key, window_seconds)
                pipe.incrby(rkey, cost)
                pipe.expire(rkey, window_seconds + 1)
            replies = await pipe.execute()
        return all(int(count) <= limit for count in replies[::2])

    async def peek(self, key: str, limit: int, window_seconds: int) -> bool:
        value = await self._redis.get(self._key(key, window_seconds))
        return int(value or 0) < limit

    async def reset(self, key: str) -> None:
        keys = [k async for k in self._redis.scan_iter(f"guildhall:rl:{key}:*")]
        if keys:
            await self._redis.delete(*keys)


async def enforce(limiter: RateLimiter, key: str, limit: int, window_seconds: int = 60) -> None:
    """Count one hit and raise `RateLimited` over the limit."""
    if not await limiter.hit(key, limit, window_seconds):
        raise RateLimited(f"Too many requests; try again in under {window_seconds} seconds.")
