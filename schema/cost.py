"""Query cost: refuse, before execution, an operation that would ask for too much.

The formula (README "Query cost"), in the spirit of GitHub's GraphQL API:

- a field returning a scalar or an enum costs 0;
- a field returning an object costs its weight (1, or more for the few expensive fields in
  `WEIGHTS`) plus the cost of what is selected in it;
- a connection's `first` or `last` (PAGE_SIZE_DEFAULT when neither is given, at most
  PAGE_SIZE_MAX) multiplies the cost of its lists (`edges`, `nodes`), not of `pageInfo` or
  `totalCount`; the number of ids multiplies the selections of `nodes(ids:)`:

      cost(connection) = weight + cost(totalCount, pageInfo) + first × cost(edges or nodes)
      cost(nodes(ids:)) = 1 + len(ids) × cost(selections of each node)

  so nested connections multiply: 100 topics × 100 posts each cost over 10,000;
- fragments count where they are spread (every branch of a union or interface is counted);
  introspection fields (`__schema`, `__type`, `__typename`) are free.

An operation costing more than MAX_QUERY_COST is refused with the error code QUERY_TOO_COSTLY
and both numbers. `nodes(ids:)` also takes at most PAGE_SIZE_MAX ids (TOO_MANY_IDS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from api.settings import Settings

# Fields that cost more than one unit: work far beyond a database read.
WEIGHTS: dict[tuple[str, str], int] = {
    ("Query", "revisionDiff"): 500,  # a diff in a worker process, up to KB_DIFF_TIMEOUT_SECONDS
    ("Query", "search"): 10,  # a Meilisearch query
}


class CostTooHigh(GraphQLError):
    pass


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        settings: Settings,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.settings = settings
        self.memo: dict[tuple[int, str, int], int] = {}  # fragments reused many times: walked once

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, per_item: int = 1) -> int:
        """Cost of the selections on `parent`; list-returning ones count `per_item` times."""
        if selection_set is None:
            return 0
        key = (id(selection_set), parent.name, per_item)
        if key not in self.memo:
            self.memo[key] = sum(self.selection(node, parent, per_item) for node in selection_set.selections)
        return self.memo[key]

    def selection(self, node: Any, parent: GraphQLNamedType, per_item: int) -> int:
        if isinstance(node, FieldNode):
            return self.field(node, parent, per_item)
        if isinstance(node, InlineFragmentNode):
            on = self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
            return self.selections(node.selection_set, on or parent, per_item)
        if isinstance(node, FragmentSpreadNode):
            fragment = self.fragments.get(node.name.value)
            if fragment is None:
                return 0
            on = self.schema.get_type(fragment.type_condition.name.value) or parent
            return self.selections(fragment.selection_set, on, per_item)
        return 0

    def field(self, node: FieldNode, parent: GraphQLNamedType, per_item: int) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return 0
        definition = parent.fields.get(name)
        if definition is None:
            return 0
        returned = get_named_type(definition.type)
        if is_leaf_type(returned):
            return 0
        args = {arg.name.value: value_from_ast_untyped(arg.value, self.variables) for arg in node.arguments or ()}
        k = self.multiplier(parent.name, name, definition.args, args)
        weight = WEIGHTS.get((parent.name, name), 1)
        if is_list_type(get_nullable_type(definition.type)):
            # A list (`nodes(ids:)`, `edges`, `nodes` of a connection): its items' selections k
            # times, and the whole again `per_item` times when it is the list of a connection.
            return per_item * (weight + k * self.selections(node.selection_set, returned))
        # An object; for a connection, its lists (`edges`, `nodes`) hold k items each.
        return weight + self.selections(node.selection_set, returned, k)

    def multiplier(self, parent: str, name: str, defined: Mapping[str, Any], args: dict[str, Any]) -> int:
        settings = self.settings
        query = self.schema.query_type
        if query is not None and parent == query.name and name == "nodes" and "ids" in defined:
            ids = args.get("ids")
            count = len(ids) if isinstance(ids, list) else 1
            if count > settings.page_size_max:
                raise CostTooHigh(
                    f"`nodes(ids:)` takes at most {settings.page_size_max} ids; this query has {count:,}.",
                    extensions={"code": "TOO_MANY_IDS", "ids": count, "limit": settings.page_size_max},
                )
            return count
        if "first" not in defined and "last" not in defined:
            return 1
        sizes = [args.get(arg) for arg in ("first", "last")]
        given = [s for s in sizes if isinstance(s, int)]
        k = max(given) if given else settings.page_size_default
        return max(0, min(k, settings.page_size_max))


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    settings: Settings,
) -> int:
    """The cost of the operation `operation_name` of `document` (see the module's docstring)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)), None
    )
    if operation is None:
        return 0
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return 0
    values = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if values.get(name) is None and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Walk(schema, fragments, values, settings).selections(operation.selection_set, root)


class QueryCostLimiter(SchemaExtension):
    """Refuse operations over MAX_QUERY_COST (and `nodes` over PAGE_SIZE_MAX ids) before they run."""

    def __init__(self, *, settings: Settings) -> None:
        self.settings = settings

    def on_execute(self):
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None:
            cost = operation_cost(
                execution.schema._schema, document, execution.operation_name, execution.variables, self.settings
            )
            limit = self.settings.max_query_cost
            if cost > limit:
                raise CostTooHigh(
                    f"This query costs {cost:,}, more than the limit of {limit:,} (MAX_QUERY_COST). "
                    "Ask for fewer items with `first`/`last`, or for fewer nested lists.",
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit},
                )
        yield
