"""The GraphQL schema: one `Query`, `Mutation` and `Subscription` merged from domain modules.

Each domain's schema module (its manifest's `schema=`) defines its own
`Query`/`Mutation`/`Subscription` roots; they are merged in manifest order.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

import strawberry

# Aliased: importing the submodule `schema.relay` rebinds the name `relay` in this package.
from strawberry import relay as strawberry_relay
from strawberry.tools import merge_types

from api.registry import load as load_registry
from api.settings import Settings, get_settings
from schema.execution import ExecutionContext, direct_resolvers
from schema.extensions import build_extensions


def _node_query() -> type:
    # A new class per build: strawberry's node field may be bound to one schema only.
    @strawberry.type(name="NodeQuery", description="Relay node lookups.")
    class NodeQuery:
        node: strawberry_relay.Node | None = strawberry_relay.node(
            description="Any object by its global id, if visible to the viewer."
        )
        nodes: list[strawberry_relay.Node | None] = strawberry_relay.node(
            description="Several objects by global id, in order."
        )

    return NodeQuery


def _roots(name: str) -> tuple[type, ...]:
    roots = []
    for module_name in load_registry().schema_modules:
        module = importlib.import_module(module_name)
        root = getattr(module, name, None)
        if root is not None:
            roots.append(root)
    return tuple(roots)


def _described(root: type, description: str) -> type:
    # merge_types takes no description; the merged roots are new classes, safe to annotate.
    root.__strawberry_definition__.description = description  # type: ignore[attr-defined]  # set by strawberry.type
    return root


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the limits of `settings` (built once per distinct settings)."""
    return _build(settings or get_settings())


@lru_cache(maxsize=16)
def _build(settings: Settings) -> strawberry.Schema:
    query = _described(merge_types("Query", (_node_query(), *_roots("Query"))), "Entry points for reading.")
    mutation = _described(merge_types("Mutation", _roots("Mutation")), "Entry points for writing.")
    subscriptions = _roots("Subscription")
    subscription = (
        _described(merge_types("Subscription", subscriptions), "Live events over graphql-transport-ws.")
        if subscriptions
        else None
    )
    schema = strawberry.Schema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        extensions=build_extensions(settings),
        execution_context_class=ExecutionContext,
    )
    direct_resolvers(schema)
    return schema


def schema_sdl() -> str:
    """The SDL of the schema (what `guildhall export-schema` writes)."""
    return build_schema(Settings.from_env({}, env_file=None)).as_str() + "\n"
