"""Process-wide services shared by every request: Redis (optional), rate limiter, event broker,
and the background jobs of the domains' manifests, started with the app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from api import metrics, offload
from api.cache import MemoryPublicCache, PublicCache, RedisPublicCache
from api.domain.community.settings import effective
from api.pubsub import Broker, MemoryBroker, RedisBroker, set_broker, subscribe
from api.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from api.registry import Job, registry
from api.settings import Settings, reset_settings, use_settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    limiter: RateLimiter
    broker: Broker
    cache: PublicCache = field(default_factory=MemoryPublicCache)
    redis: Any = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

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

    def listen(self, channel: str, callback: Callable[[], Any]) -> None:
        """Call `callback` for every message on `channel` (from any app process) while running."""

        async def loop() -> None:
            async with subscribe(channel) as messages:
                async for _ in messages:
                    callback()

        self.tasks.append(asyncio.create_task(loop(), name=f"listen:{channel}"))

    def start_jobs(self) -> None:
        for job in registry().jobs.values():
            self.tasks.append(
                asyncio.create_task(
                    _loop(job, self, job.seconds(self.settings)),
                    name=f"job:{job.name}",
                )
            )

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


async def _loop(job: Job, runtime: Runtime, interval: float) -> None:
    """Run `job` every `interval` seconds. A job returns a truthy value when it changed data,
    which invalidates cached public reads."""
    while True:
        try:
            settings = await effective(runtime.settings)  # community settings may have changed
            token = use_settings(settings)
            try:
                changed = await job.run(settings)
            finally:
                reset_settings(token)
            if changed:
                await runtime.cache.bump()
            metrics.job_finished(job.name, ok=True)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failing job must not stop the others
            metrics.job_finished(job.name, ok=False)
            log.exception("background job %s failed", job.name)
        await asyncio.sleep(interval)
