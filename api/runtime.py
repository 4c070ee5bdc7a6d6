"""Process-wide services shared by every request: Redis (optional), rate limiter, event broker,
and the registry of background jobs started with the app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from api import offload
from api.cache import MemoryPublicCache, PublicCache, RedisPublicCache
from api.pubsub import Broker, MemoryBroker, RedisBroker, set_broker
from api.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from api.settings import Settings

log = logging.getLogger(__name__)

Job = Callable[[Settings], Awaitable[Any]]

# name -> (job, interval seconds or None for the scheduler's interval). Domains register
# their periodic work here (outbox push, proposal closing, scheduled announcements...).
# Every job must be safe when several app processes run it at once.
PERIODIC_JOBS: dict[str, tuple[Job, float | None]] = {}


def periodic(name: str, interval: float | None = None) -> Callable[[Job], Job]:
    """Register a periodic background job (decorator)."""

    def register(job: Job) -> Job:
        PERIODIC_JOBS[name] = (job, interval)
        return job

    return register


@dataclass
class Runtime:
    settings: Settings
    limiter: RateLimiter
    broker: Broker
    cache: PublicCache = field(default_factory=MemoryPublicCache)
    redis: Any = None
    tasks: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    async def start(cls, settings: Settings) -> Runtime:
        redis = None
        if settings.redis_url:
            import redis.asyncio as aioredis

            redis = aioredis.from_url(settings.redis_url, decode_responses=True)
            await redis.ping()
            limiter: RateLimiter = RedisRateLimiter(redis)
            broker: Broker = RedisBroker(redis)
            cache: PublicCache = RedisPublicCache(redis)
        else:
            limiter, broker, cache = MemoryRateLimiter(), MemoryBroker(), MemoryPublicCache()
        set_broker(broker)
        await offload.warm_up()  # worker processes for CPU-heavy work, ready before requests
        return cls(settings=settings, limiter=limiter, broker=broker, cache=cache, redis=redis)

    def start_jobs(self) -> None:
        import api.wiring  # noqa: F401 - registers every domain's jobs

        for name, (job, interval) in PERIODIC_JOBS.items():
            self.tasks.append(asyncio.create_task(
                _loop(name, job, self, interval or self.settings.scheduler_interval_seconds),
                name=f"job:{name}",
            ))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        await self.broker.close()
        set_broker(None)
        await offload.close()  # worker processes of CPU-heavy work
        if self.redis is not None:
            await self.redis.aclose()


async def _loop(name: str, job: Job, runtime: Runtime, interval: float) -> None:
    """Run `job` every `interval` seconds. A job returns a truthy value when it changed data,
    which invalidates cached public reads."""
    while True:
        try:
            if await job(runtime.settings):
                await runtime.cache.bump()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failing job must not stop the others
            log.exception("background job %s failed", name)
        await asyncio.sleep(interval)
