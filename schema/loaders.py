"""Per-request DataLoaders, so resolvers never query in a loop.

`loaders.by_id(Model)` batches primary-key lookups; `loaders.many(Model, "fk_id")` batches
"children of these parents"; `loaders.custom(name, batch_fn)` registers any other batch.
All loaders of a request live in one `Loaders`, created with the context.
"""

from __future__ import annotations

import inspect
from asyncio import Future
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from functools import partial
from typing import Any

from strawberry.dataloader import AbstractCache, DataLoader
from tortoise.models import Model

from api.db import by_pk


class _Futures(AbstractCache[Any, Any]):
    """A loader's futures by key: strawberry's default cache without its key function, so a
    lookup (one per item of a list, see `now_or_later`) is a dict's own `get`."""

    def __init__(self) -> None:
        self.futures: dict[Any, Future] = {}
        self.get = self.futures.get  # type: ignore[method-assign,assignment]  # the bound C method

    def get(self, key: Any) -> Future | None:
        return self.futures.get(key)

    def set(self, key: Any, value: Future) -> None:
        self.futures[key] = value

    def delete(self, key: Any) -> None:
        del self.futures[key]

    def clear(self) -> None:
        self.futures.clear()


class Loaders:
    def __init__(self) -> None:
        self._loaders: dict[Hashable, DataLoader] = {}

    def custom(self, name: Hashable, batch: Callable[[list[Any]], Awaitable[Sequence[Any]]]) -> DataLoader:
        loader = self._loaders.get(name)
        if loader is None:
            loader = self._loaders[name] = DataLoader(load_fn=batch, cache_map=_Futures())
        return loader

    def batched(self, name: Hashable, batch: Callable[..., Awaitable[Sequence[Any]]], *args: Any) -> DataLoader:
        """`custom(name, partial(batch, *args))` for loaders asked once per item of a list (a
        post's reactions): the request's loader is found before anything is built."""
        loader = self._loaders.get(name)
        if loader is None:
            loader = self.custom(name, partial(batch, *args) if args else batch)
        return loader

    def by_id(self, model: type[Model]) -> DataLoader:
        """Loads instances of `model` by primary key; missing ids load as None."""
        return self.batched(("by_id", model), _by_id, model)  # asked once per item (an author per post)

    def many(self, model: type[Model], fk: str, *, order_by: tuple[str, ...] = ("id",), **filters: Any) -> DataLoader:
        """Loads lists of `model` rows whose `fk` column equals each key."""

        async def batch(keys: list[Any]) -> list[list[Any]]:
            grouped: dict[Any, list[Any]] = defaultdict(list)
            query = model.filter(**{f"{fk}__in": set(keys)}, **filters).order_by(*order_by)
            for row in await query:
                grouped[getattr(row, fk)].append(row)
            return [grouped.get(k, []) for k in keys]

        key = ("many", model, fk, order_by, tuple(sorted(filters.items())))
        return self.custom(key, batch)

    def prime(self, model: type[Model], rows: Sequence[Model]) -> None:
        """Seed the by-id loader with rows already fetched (e.g. by a list resolver)."""
        loader = self.by_id(model)
        for row in rows:
            loader.prime(row.pk, row)


async def _by_id(model: type[Model], ids: list[Any]) -> list[Any]:
    rows = {row.pk: row for row in await by_pk(model, set(ids))}
    return [rows.get(i) for i in ids]


async def fill(loader: DataLoader, keys: Iterable[Any]) -> None:
    """Load the `keys` the loader does not hold yet with one call of its batch function and prime
    it with the results: what `load_many` does for a prefetch, without a pending future, a batch
    task and a gather entry per key."""
    cached = loader.cache_map
    missing = [key for key in dict.fromkeys(keys) if cached.get(key) is None]
    if missing:
        loader.prime_many(dict(zip(missing, await loader.load_fn(missing), strict=True)))


def now_or_later(loader: DataLoader, key: Any) -> Any:
    """The value for `key` if the loader already has it, else the loader's awaitable.

    Resolvers declared with `def` (not `async def`) that return this complete synchronously when
    a list resolver prefetched the values: graphql-core then spends no coroutine, task or await
    on the field, which is most of GraphQL's cost per item in long lists."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    return loader.load(key)


def pending(value: Any) -> bool:
    """Whether `now_or_later` gave the loader's future rather than the value: a type check, where
    `inspect.isawaitable` walks abstract base classes (a cost per post on a 200-post page)."""
    return isinstance(value, Future)


def then(value: Any, fn: Any) -> Any:
    """`fn(value)`, awaiting `value` first only when it is awaitable (see `now_or_later`)."""
    if inspect.isawaitable(value):

        async def later() -> Any:
            return fn(await value)

        return later()
    return fn(value)
