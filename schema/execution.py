"""The GraphQL execution context of the schema: graphql-core's, told that Tortoise model instances
are values, and resolvers that need none of strawberry's per-call work called directly.

A Tortoise model instance defines `__await__` (so `await topic.space` works whether the relation was
fetched or not), so graphql-core's awaitable check says yes to every model a resolver returns and
completes each of them through a coroutine, gathered per list: on the topic list, one task per topic
and per tag. Awaiting a model instance only returns it, so treating it as a plain value changes no
result and removes that work.

Strawberry wraps every field resolver in a chain built for arguments, field extensions and
exception handlers (argument conversion, an extension `reduce`, several closures per call). A plain
`def` resolver taking only its parent and `info`, with no argument, extension (permission) or
exception handler, needs none of it: `direct_resolvers` hands graphql-core a function that builds
the same strawberry `Info` and calls the resolver, reads fields without resolver as attributes (as
strawberry's default resolver does, minus two calls), and resolves `id` of model-backed nodes
(`schema.relay.ModelNode`) straight from the row's primary key. Long lists (200 posts, 8 fields
each) spend most of their time in this per-field overhead."""

from __future__ import annotations

import base64
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from graphql import GraphQLNonNull, GraphQLObjectType, Undefined, get_nullable_type, is_leaf_type
from strawberry.execution import optimized_is_awaitable
from strawberry.relay import Node
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField
from tortoise.models import Model

# Values resolvers return most often: never awaitable (exact types, checked before the rest).
_PLAIN: frozenset[type] = frozenset({type(None), bool, int, float, str, list, tuple, dict, set, datetime, date})


def is_awaitable(value: Any) -> bool:
    if type(value) in _PLAIN:
        return False
    return not isinstance(value, Model) and optimized_is_awaitable(value)


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]
        # Field middleware (a schema extension's `resolve` hook) must see every field.
        manager = self.middleware_manager
        self.read_leaves = manager is None or manager._middleware_resolvers is None

    def execute_field(self, parent_type: Any, source: Any, fields: Any, path: Any, *rest: Any) -> Any:
        """A leaf field read straight from its parent (a column, a node's id: `direct_resolvers`
        marks their resolver with `read`) is read and serialized here, without the resolve info,
        awaitable check and completion graphql-core builds for any field. Anything unusual (an
        error, a null, a value the scalar refuses) goes the ordinary way, which reports it."""
        first = fields[0]
        node = getattr(first, "node", first)  # graphql-core 3.3 field details, or 3.2 nodes
        field_def = self.schema.get_field(parent_type, node.name.value)
        read = getattr(field_def.resolve, "read", None) if field_def is not None else None
        if read is not None and self.read_leaves and not node.arguments:
            try:
                value = read(source)
                if value is not None and not isinstance(value, Exception):
                    kind: Any = field_def.type  # type: ignore[union-attr]  # checked above
                    leaf: Any = kind.of_type if isinstance(kind, GraphQLNonNull) else kind  # a scalar or enum
                    serialized = leaf.serialize(value)
                    if serialized is not None and serialized is not Undefined:
                        return serialized
                elif value is None and not isinstance(field_def.type, GraphQLNonNull):  # type: ignore[union-attr]  # checked above
                    return None
            except Exception:  # noqa: BLE001 - graphql-core's own path below reports it
                pass
        return super().execute_field(parent_type, source, fields, path, *rest)


def _direct(field: StrawberryField, info_class: type, handlers: Any) -> Any:
    """graphql-core's resolver for `field` calling its strawberry resolver directly, or None when
    the field needs strawberry's full chain."""
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments or field.is_async or field.is_subscription or handlers:
        return None
    self_param = resolver.self_parameter
    # `root` by name, or any name annotated `strawberry.Parent[...]` (the same parameter when both)
    root_param = resolver.root_parameter or resolver.parent_parameter
    info_param = resolver.info_parameter
    named = {p.name for p in resolver.signature.parameters.values()}
    expected = {p.name for p in (self_param, root_param, info_param) if p is not None}
    if named != expected or (self_param is not None and root_param is not None):
        return None  # any other parameter (cls, defaults...): keep strawberry's call
    call: Any = resolver.wrapped_func  # a function (or a bound static method)
    info_name = info_param.name if info_param is not None else None
    if self_param is not None:
        if info_name is None:
            return lambda source, _info: call(source)

        def resolve_self(source: Any, info: Any) -> Any:
            return call(source, **{info_name: info_class(_raw_info=info, _field=field)})

        return resolve_self
    if root_param is not None:
        root_name = root_param.name
        if info_name is None:
            return lambda source, _info: call(**{root_name: source})

        def resolve_root(source: Any, info: Any) -> Any:
            return call(**{root_name: source, info_name: info_class(_raw_info=info, _field=field)})

        return resolve_root
    if info_name is not None:
        return lambda _source, info: call(**{info_name: info_class(_raw_info=info, _field=field)})
    return lambda _source, _info: call()


def _attribute(name: str, leaf: bool) -> Any:
    """A field without resolver: the attribute, as strawberry's default resolver (`getattr`) reads it."""

    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    if leaf:
        resolve.read = attrgetter(name)  # type: ignore[attr-defined]  # see ExecutionContext.execute_field
    return resolve


def _model_node_id(type_name: str) -> Any:
    """`id` of a model-backed node: what strawberry's `Node._id` returns for `ModelNode.resolve_id`
    (the row's primary key) and the default typename, encoded as its GlobalID scalar does."""
    prefix = f"{type_name}:"

    def read(source: Any) -> str:
        return base64.b64encode(f"{prefix}{source.pk}".encode()).decode()

    def resolve(source: Any, _info: Any) -> str:
        return read(source)

    resolve.read = read  # type: ignore[attr-defined]  # see ExecutionContext.execute_field
    return resolve


def direct_resolvers(schema: Any) -> int:
    """Swap in direct resolvers (see the module's docstring); returns how many fields changed."""
    from schema.relay import ModelNode

    converter = schema.schema_converter
    info_class = schema.config.info_class
    changed = 0
    for gtype in schema._schema.type_map.values():
        if not isinstance(gtype, GraphQLObjectType) or gtype.name.startswith("__"):
            continue
        definition = gtype.extensions.get(converter.DEFINITION_BACKREF)
        origin = getattr(definition, "origin", None)
        model_node = (
            isinstance(origin, type)
            and issubclass(origin, ModelNode)
            and origin.resolve_id.__func__ is ModelNode.resolve_id.__func__  # type: ignore[attr-defined]  # classmethods
            and origin.resolve_typename.__func__ is Node.resolve_typename.__func__  # type: ignore[attr-defined]  # classmethods
        )
        for name, gfield in gtype.fields.items():
            field = gfield.extensions.get(converter.DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            if name == "id" and model_node and not field.extensions:
                gfield.resolve = _model_node_id(gtype.name)
                changed += 1
                continue
            handlers = converter._get_field_exception_handlers(field)
            if field.is_basic_field and not handlers and field.default_resolver is getattr:
                gfield.resolve = _attribute(field.python_name, is_leaf_type(get_nullable_type(gfield.type)))
                changed += 1
                continue
            direct = _direct(field, info_class, handlers)
            if direct is not None:
                gfield.resolve = direct
                changed += 1
    return changed
