"""Transactions with after-commit effects: the one way a write declares what must follow it.

    async with transaction():
        topic = await Topic.create(...)
        await outbox.enqueue("topic", topic.id)     # a row in this very transaction
        await emit(TopicCreated(...))               # runs after the commit
        await publish(topic_channel(topic.id), ...) # runs after the commit

`after_commit(effect)` defers an effect until the outermost transaction commits and drops it if
the transaction (or the savepoint it was declared in) rolls back. Outside any transaction the
change is already committed, so the effect runs at once (as Django's `on_commit`). Events,
subscription publishes and notifications' pushes all go through here, so a subscriber never hears
of a row it cannot read yet, and nothing is announced for a write that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from tortoise.transactions import in_transaction

log = logging.getLogger(__name__)

Effect = Callable[[], Awaitable[Any]]

_pending: ContextVar[list[Effect] | None] = ContextVar("guildhall_after_commit", default=None)


@asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """`tortoise.transactions.in_transaction` that also collects after-commit effects. Nested
    uses are savepoints: their effects join the outer transaction's if they succeed."""
    outer = _pending.get()
    effects: list[Effect] = []
    token = _pending.set(effects)
    try:
        async with in_transaction() as connection:
            yield connection
    finally:
        _pending.reset(token)
    if outer is not None:
        outer.extend(effects)
    else:
        await _run(effects)


def in_transaction_now() -> bool:
    return _pending.get() is not None


async def after_commit(effect: Effect) -> None:
    """Run `effect` once the current transaction commits (now, outside a transaction)."""
    pending = _pending.get()
    if pending is None:
        await _run([effect])
    else:
        pending.append(effect)


async def _run(effects: list[Effect]) -> None:
    for effect in effects:
        try:
            await effect()
        except Exception:  # the write is committed; an effect must not undo its answer
            log.exception("after-commit effect %s failed", getattr(effect, "__qualname__", effect))
