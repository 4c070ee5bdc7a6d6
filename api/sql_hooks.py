"""Every SQL statement Tortoise sends, counted per HTTP request (`RequestInfo.sql_queries`, the
`guildhall_sql_queries_per_request` histogram) and traced as a span when tracing is on.

Tortoise has no hook for this, so `install()` wraps the statement methods of its database
clients (SQLite and asyncpg, transactions included) once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from api import tracing
from api.request_info import current_request

STATEMENT_METHODS = ("execute_insert", "execute_many", "execute_query", "execute_query_dict", "execute_script")
_installed = False


def _wrap(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def observed(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        info = current_request.get()
        if info is not None:
            info.sql_queries += 1
        if tracing.tracer is None:
            return await method(self, query, *args, **kwargs)
        with tracing.sql_span(self, query):
            return await method(self, query, *args, **kwargs)

    observed.__guildhall_observed__ = True  # type: ignore[attr-defined]  # a marker on the patched function
    return observed


def _client_classes() -> list[type]:
    import tortoise.backends.sqlite.client  # load the backends' classes
    from tortoise.backends.base.client import BaseDBAsyncClient

    try:
        import tortoise.backends.asyncpg.client  # noqa: F401
    except ImportError:  # asyncpg is a dependency, but keep SQLite-only installs working
        pass
    found, todo = [], list(BaseDBAsyncClient.__subclasses__())
    while todo:
        cls = todo.pop()
        # The abstract bases' methods raise NotImplementedError or delegate to the backend's
        # (execute_query_dict -> execute_query): wrapping them would count twice.
        if cls.__module__ != "tortoise.backends.base.client":
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def install() -> None:
    """Wrap each statement method where it is defined (a subclass that inherits it is covered
    by its parent's wrapper; none of Tortoise's overrides call `super()`, so none counts twice)."""
    global _installed
    if _installed:
        return
    for cls in _client_classes():
        for name in STATEMENT_METHODS:
            method = cls.__dict__.get(name)
            if method is None or getattr(method, "__isabstractmethod__", False):
                continue
            if getattr(method, "__guildhall_observed__", False):
                continue
            setattr(cls, name, _wrap(method))
    _installed = True
