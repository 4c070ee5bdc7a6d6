"""The GraphQL execution context of the schema: graphql-core's, told that Tortoise model instances
are values.

A Tortoise model instance defines `__await__` (so `await topic.space` works whether the relation was
fetched or not), so graphql-core's awaitable check says yes to every model a resolver returns and
completes each of them through a coroutine, gathered per list: on the topic list, one task per topic
and per tag. Awaiting a model instance only returns it, so treating it as a plain value changes no
result and removes that work."""

from __future__ import annotations

from typing import Any

from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from tortoise.models import Model


def is_awaitable(value: Any) -> bool:
    return not isinstance(value, Model) and optimized_is_awaitable(value)


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]
