"""Persisted queries: Apollo's automatic persisted queries (APQ) and registered operations.

APQ (https://www.apollographql.com/docs/apollo-server/performance/apq): a client sends
`extensions.persistedQuery = {version: 1, sha256Hash}` without the document; if the server
does not know the hash it answers `PersistedQueryNotFound` and the client sends the document
with the hash once, which the server checks, runs and keeps (for PERSISTED_QUERIES_CACHE_SECONDS,
in Redis when REDIS_URL is set so every app process knows it, else in this process). Only
documents that parsed and validated are kept. Hash-only queries may be sent with GET, so CDNs
can cache them.

Registered operations (`guildhall persist-queries FILE`, `api.http.commands`) are kept in
the database and are always known by their id. With PERSISTED_QUERIES_ONLY=true they are the
only documents that run: by id, or sent whole (recognised by their SHA-256).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast

from api.settings import Settings

APQ_VERSION = 1
REDIS_PREFIX = "guildhall:apq:"
MEMORY_BUDGET_BYTES = 16_000_000  # documents kept in one process without Redis
# Larger documents run but are not kept: an app's documents are small, and a client must not
# be able to fill Redis with megabyte-long string literals.
MAX_KEPT_DOCUMENT_BYTES = 64_000
REGISTRY_CACHE_SECONDS = 10.0  # how soon a newly registered or pruned operation is seen
REGISTRY_CACHE_ENTRIES = 10_000


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class PersistedQueryError(Exception):
    """A persisted-query request that cannot run; `status` under graphql-response+json."""

    message: str
    code: str
    status: int

    def __str__(self) -> str:
        return self.message


def not_found() -> PersistedQueryError:
    # Apollo clients recognise this exact message and retry with the document.
    return PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND", 404)


def not_supported() -> PersistedQueryError:
    # Apollo clients stop sending hashes alone after this one.
    return PersistedQueryError("PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED", 400)


def not_registered() -> PersistedQueryError:
    return PersistedQueryError("Only registered operations may run on this server.", "PERSISTED_QUERY_NOT_IN_LIST", 403)


class MemoryStore:
    """APQ documents of this process, least recently used dropped beyond a byte budget."""

    def __init__(self, ttl: int, budget: int = MEMORY_BUDGET_BYTES) -> None:
        self.ttl, self.budget, self.size = ttl, budget, 0
        self._docs: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def get(self, key: str) -> str | None:
        entry = self._docs.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._drop(key)
            return None
        self._docs.move_to_end(key)
        return entry[1]

    async def put(self, key: str, document: str) -> None:
        if key in self._docs:
            self._drop(key)
        self._docs[key] = (time.monotonic() + self.ttl, document)
        self.size += len(document)
        while self.size > self.budget and self._docs:
            self._drop(next(iter(self._docs)))

    def _drop(self, key: str) -> None:
        self.size -= len(self._docs.pop(key)[1])


class RedisStore:
    """APQ documents shared by every app process; a hit renews the entry's lifetime."""

    def __init__(self, redis: Any, ttl: int, prefix: str = REDIS_PREFIX) -> None:
        self.redis, self.ttl, self.prefix = redis, ttl, prefix

    async def get(self, key: str) -> str | None:
        document: str | None = await self.redis.getex(self.prefix + key, ex=self.ttl)
        return document

    async def put(self, key: str, document: str) -> None:
        await self.redis.set(self.prefix + key, document, ex=self.ttl)


class Registry:
    """Registered operations, read from the database and remembered briefly (misses too, so
    made-up hashes cannot turn into a stream of queries)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str], tuple[float, str | None]] = OrderedDict()

    async def by_id(self, op_id: str) -> str | None:
        return await self._lookup("id", op_id)

    async def by_sha256(self, digest: str) -> str | None:
        return await self._lookup("sha256", digest)

    async def _lookup(self, column: str, value: str) -> str | None:
        from api.models.persisted import PersistedOperation

        key = (column, value)
        entry = self._cache.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        row = cast(
            str | None, await PersistedOperation.filter(**{column: value}).first().values_list("body", flat=True)
        )
        self._cache[key] = (time.monotonic() + REGISTRY_CACHE_SECONDS, row)
        self._cache.move_to_end(key)
        if len(self._cache) > REGISTRY_CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return row


class PersistedQueries:
    def __init__(self, settings: Settings, redis: Any = None) -> None:
        self.only_registered = settings.persisted_queries_only
        self.ttl = settings.persisted_queries_cache_seconds
        self.store = RedisStore(redis, self.ttl) if redis is not None else MemoryStore(self.ttl)
        self.registry = Registry()

    async def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> tuple[str | None, str | None]:
        """The document to run, and the hash to remember it by once it ran (or None).
        Raises `PersistedQueryError` when it may not or cannot run."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if query is None or not self.only_registered:
                return query, None
            if await self.registry.by_sha256(sha256_hex(query)) is None:
                raise not_registered()
            return query, None
        if not isinstance(persisted, dict) or persisted.get("version") != APQ_VERSION:
            raise PersistedQueryError("Unsupported persisted query version.", "PERSISTED_QUERY_NOT_SUPPORTED", 400)
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not 1 <= len(digest) <= 128:
            raise PersistedQueryError("extensions.persistedQuery.sha256Hash must be a hash.", "BAD_REQUEST", 400)
        registered = await self.registry.by_id(digest)
        if registered is not None:
            return registered, None
        if self.only_registered:
            raise not_registered() if query is not None else not_found()
        if query is None:
            if self.ttl == 0:
                raise not_supported()
            stored = await self.store.get(digest)
            if stored is None:
                raise not_found()
            return stored, None
        if sha256_hex(query) != digest.lower():
            raise PersistedQueryError("provided sha does not match query", "BAD_REQUEST", 400)
        keep = self.ttl and len(query.encode("utf-8")) <= MAX_KEPT_DOCUMENT_BYTES
        return query, (digest.lower() if keep else None)

    async def remember(self, digest: str, query: str) -> None:
        await self.store.put(digest, query)
