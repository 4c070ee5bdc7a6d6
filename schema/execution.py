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

import binascii
from datetime import date, datetime
from operator import attrgetter
from types import GeneratorType
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.execution import optimized_is_awaitable
from strawberry.relay import Node
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField
from tortoise.models import Model

# Types whose values are never awaitable (exact types): the plain values resolvers return most,
# and every class found not awaitable since (models, rows, strawberry objects such as edges),
# so that each is checked once per process rather than with a failing `hasattr(value,
# "__await__")` per value. Not remembered: generators (awaitable or not by their code), and
# classes with `__getattr__` (which may answer for `__await__`).
_NEVER: set[type] = {type(None), bool, int, float, str, list, tuple, dict, set, datetime, date}


def is_awaitable(value: Any) -> bool:
    kind = type(value)
    if kind in _NEVER:
        return False
    if isinstance(value, Model) or not optimized_is_awaitable(value):  # models: see the module's docstring
        if kind is not GeneratorType and not hasattr(kind, "__getattr__") and len(_NEVER) < 4096:
            _NEVER.add(kind)
        return False
    return True


# Scalars that serialize a value of this exact type to itself (a GlobalID read as a node id is
# already its string); names no custom scalar may take.
_UNCHANGED: dict[str, type] = {"String": str, "ID": str, "Boolean": bool}


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]
        # Field middleware (a schema extension's `resolve` hook) must see every field.
        manager = self.middleware_manager
        self.read_leaves = manager is None or manager._middleware_resolvers is None
        self.streamable = self.schema.get_directive("stream") is not None
        self._plans: dict[int, tuple[Any, Any, list[tuple[str, Any, Any, Any, bool, type | None, Any]]]] = {}

    def get_stream_usage(self, field_details_list: Any, path: Any) -> Any:
        """None without looking: the schema declares no `@stream`, so validation refused any use
        of it (graphql-core would read the directive's values on every list, in every request)."""
        if self.streamable:
            return super().get_stream_usage(field_details_list, path)
        return None

    def execute_fields(
        self, parent_type: Any, source_value: Any, path: Any, grouped_field_set: Any, position_context: Any
    ) -> Any:
        """graphql-core's `execute_fields`, with leaf fields read straight from their parent (a
        column, a node's id: `direct_resolvers` marks their resolver with `read`) and serialized
        here, without the path, resolve info, awaitable check and completion graphql-core builds
        for any field. The plan of a selection (which fields are such leaves) is made once per
        request: the 200 posts of a topic share one. Anything unusual (an error, a null in a
        non-null field, a value the scalar refuses) goes graphql-core's way, which reports it."""
        plan = self._plans.get(id(grouped_field_set))
        if plan is None or plan[0] is not grouped_field_set or plan[1] is not parent_type:
            plan = self._plans[id(grouped_field_set)] = (
                grouped_field_set,
                parent_type,
                self._plan(parent_type, grouped_field_set),
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, read, serialize, nullable, plain, direct in plan[2]:
                if read is not None:
                    try:
                        value = read(source_value)
                        if type(value) is plain:  # what the scalar would return unchanged
                            results[response_name] = value
                            continue
                        if value is None:
                            if nullable:
                                results[response_name] = None
                                continue
                        elif not isinstance(value, Exception):
                            serialized = serialize(value)
                            if serialized is not None and serialized is not Undefined:
                                results[response_name] = serialized
                                continue
                    except Exception:  # noqa: BLE001 - graphql-core's own path below reports it
                        pass
                field_path = Path(path, response_name, parent_type.name)
                if direct is not None:
                    result = self._execute_direct(
                        direct, parent_type, source_value, field_details_list, field_path, position_context
                    )
                else:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _execute_direct(
        self,
        direct: list[Any],
        parent_type: Any,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_field` for a field without arguments whose resolver
        `direct_resolvers` set, with its definition and nodes from the plan rather than looked up
        and rebuilt for every value (no middleware: the plan has none then). An object is
        completed by `_complete_object` and a list by `complete_iterable_value` straight away."""
        field_def, nodes, shape, info_parts = direct
        return_type = field_def.type
        if info_parts is None:  # the first value: the info as strawberry builds it
            info = self.build_resolve_info(field_def, nodes, parent_type, path)
            at = info._fields.index("path")
            direct[3] = info_parts = (type(info), info[:at], info[at + 1 :])
        else:  # the same info but for its path (the other members are the field's and the request's)
            kind, head, tail = info_parts
            info = tuple.__new__(kind, (*head, path, *tail))
        try:
            result = field_def.resolve(source, info)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            if shape is None:
                completed = self.complete_value(return_type, field_details_list, info, path, result, position_context)
            elif type(shape) is GraphQLObjectType:
                completed = self._complete_object(
                    shape, return_type, field_details_list, info, path, result, position_context
                )
            elif type(result) is list:  # a list of any item type
                completed = (
                    self.complete_iterable_value(
                        shape.of_type, field_details_list, info, path, result, position_context
                    )
                    if result
                    else []
                )
            else:
                completed = self.complete_value(return_type, field_details_list, info, path, result, position_context)
            if self.is_awaitable(completed):
                return self._await_completed(completed, return_type, field_details_list, path)
            return completed
        except Exception as raw_error:  # noqa: BLE001 - reported as graphql-core reports a field's error
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _complete_object(
        self,
        object_type: Any,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's completion of a value of an object type (`return_type`, non-null or
        not), without the type dispatch of `complete_value` and three calls between it and
        `execute_fields`. A null, an error or a value of another type goes graphql-core's way,
        which reports it (completing resolves nothing, so nothing runs twice)."""
        is_type_of = object_type.is_type_of
        if (
            result is None
            or isinstance(result, Exception)
            or (is_type_of is not None and is_type_of(result, info) is not True)
        ):
            return self.complete_value(return_type, field_details_list, info, path, result, position_context)
        grouped_field_set, defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
        if defer_usages or position_context is not None:
            return self.execute_collected_subfields(
                object_type, result, path, grouped_field_set, defer_usages, position_context
            )
        return self.execute_fields(object_type, result, path, grouped_field_set, position_context)

    def complete_list_item_value(
        self,
        item: Any,
        complete_results: list[Any],
        item_type: Any,
        field_details_list: Any,
        info: Any,
        item_path: Any,
        position_context: Any,
    ) -> bool:
        """graphql-core's, with an item of an object type completed by `_complete_object`: the
        200 posts of a topic, the reactions of each."""
        object_type = item_type.of_type if type(item_type) is GraphQLNonNull else item_type
        if type(object_type) is not GraphQLObjectType:
            return super().complete_list_item_value(
                item, complete_results, item_type, field_details_list, info, item_path, position_context
            )
        try:
            completed = self._complete_object(
                object_type, item_type, field_details_list, info, item_path, item, position_context
            )
        except Exception as raw_error:  # noqa: BLE001 - as graphql-core's
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            complete_results.append(None)
            return False
        if self.is_awaitable(completed):
            complete_results.append(self._await_completed(completed, item_type, field_details_list, item_path))
            return True
        complete_results.append(completed)
        return False

    async def _await_completed(self, completed: Any, return_type: Any, field_details_list: Any, path: Any) -> Any:
        try:
            return await completed
        except Exception as raw_error:  # noqa: BLE001 - as graphql-core's execute_field
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _plan(
        self, parent_type: Any, grouped_field_set: Any
    ) -> list[tuple[str, Any, Any, Any, bool, type | None, Any]]:
        """(response name, field details, reader, serializer, nullable, unchanged type, direct) per
        field of a selection; reader and serializer are None where the field is not a leaf read in
        place, a value of the unchanged type is sent as read (a `str` in a `String` field), and
        direct holds what `_execute_direct` needs of a field it runs: definition, nodes, shape
        (`_shape`) and, once made, the parts of its resolve info."""
        plan = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            read = getattr(field_def.resolve, "read", None) if field_def is not None else None
            if read is None or not self.read_leaves or node.arguments:
                direct = None
                if (
                    field_def is not None
                    and self.read_leaves  # no middleware
                    and not node.arguments
                    and not field_def.args
                    and getattr(field_def.resolve, "direct", False)
                ):
                    direct = [field_def, [details.node for details in field_details_list], _shape(field_def.type), None]
                plan.append((response_name, field_details_list, None, None, True, None, direct))
                continue
            kind: Any = field_def.type  # type: ignore[union-attr]  # read is None without a field
            nullable = not isinstance(kind, GraphQLNonNull)
            leaf = kind if nullable else kind.of_type  # a scalar or enum: `read` marks leaves only
            plan.append(
                (response_name, field_details_list, read, leaf.serialize, nullable, _UNCHANGED.get(leaf.name), None)
            )
        return plan


def _shape(return_type: Any) -> Any:
    """The object type of a field returning one, the list type of one returning a list (each
    non-null or not), else None: how `_execute_direct` completes the field's value."""
    kind = return_type.of_type if type(return_type) is GraphQLNonNull else return_type
    return kind if type(kind) in (GraphQLObjectType, GraphQLList) else None


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
    parent = self_param or root_param
    if parent is not None and info_name is not None and _in_order(resolver, parent.name, info_name):

        def resolve_in_order(source: Any, info: Any) -> Any:  # `(self, info)`, `(root, info)`: the common shape
            return call(source, info_class(_raw_info=info, _field=field))

        return resolve_in_order
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


def _in_order(resolver: Any, *names: str) -> bool:
    """Whether the resolver's parameters are exactly `names`, in this order, each passable by
    position (so a call with positional arguments binds them as keywords would)."""
    params = list(resolver.signature.parameters.values())
    return [p.name for p in params] == list(names) and all(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params
    )


def _attribute(name: str, leaf: bool) -> Any:
    """A field without resolver: the attribute, as strawberry's default resolver (`getattr`) reads it."""

    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    if leaf:
        resolve.read = attrgetter(name)  # type: ignore[attr-defined]  # see ExecutionContext.execute_field
    return resolve


def _model_node_id(type_name: str, pk_attr: str) -> Any:
    """`id` of a model-backed node: what strawberry's `Node._id` returns for `ModelNode.resolve_id`
    (the row's primary key) and the default typename, encoded as its GlobalID scalar does."""
    prefix = f"{type_name}:"
    pk = attrgetter(pk_attr)  # the column itself: models and `Row`s both have it

    def read(source: Any) -> str:
        return binascii.b2a_base64(f"{prefix}{pk(source)}".encode(), newline=False).decode()

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
        pk_attr = None
        if (
            isinstance(origin, type)
            and issubclass(origin, ModelNode)
            and origin.resolve_id.__func__ is ModelNode.resolve_id.__func__  # type: ignore[attr-defined]  # classmethods
            and origin.resolve_typename.__func__ is Node.resolve_typename.__func__  # type: ignore[attr-defined]  # classmethods
        ):
            pk_attr = origin.model._meta.pk_attr  # a model-backed node with the default id
        for name, gfield in gtype.fields.items():
            field = gfield.extensions.get(converter.DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            if name == "id" and pk_attr is not None and not field.extensions:
                resolve = _model_node_id(gtype.name, pk_attr)
            else:
                handlers = converter._get_field_exception_handlers(field)
                if field.is_basic_field and not handlers and field.default_resolver is getattr:
                    resolve = _attribute(field.python_name, is_leaf_type(get_nullable_type(gfield.type)))
                else:
                    resolve = _direct(field, info_class, handlers)
                    if resolve is None:
                        continue
            resolve.direct = True  # see ExecutionContext._execute_direct
            gfield.resolve = resolve
            changed += 1
    return changed
