"""Schema extensions: limits on abusive documents, caches, introspection, error masking.

Extensions are passed as classes or factories so each request gets its own instance."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types.graphql import OperationType

from api import metrics
from api.settings import Settings
from schema.cost import QueryCostLimiter
from schema.errors import should_mask_error
from schema.observe import MutationTracing, OperationObserver

_SUGGESTION = re.compile(r" Did you mean .*\?$")


class HideFieldSuggestions(SchemaExtension):
    """Drop "Did you mean ...?" hints, which leak the schema when introspection is off."""

    def on_validate(self):
        yield
        errors = self.execution_context.pre_execution_errors
        if errors:
            # In place: strawberry has already put this very list in the response it returns.
            errors[:] = [
                GraphQLError(
                    _SUGGESTION.sub("", e.message),
                    nodes=e.nodes,
                    source=e.source,
                    positions=e.positions,
                    path=e.path,
                    extensions=e.extensions,
                )
                for e in errors
            ]


class PublicQueryCache(SchemaExtension):
    """Serve anonymous queries from `api.cache` (see there for invalidation)."""

    async def on_execute(self):
        execution = self.execution_context
        context = execution.context
        ttl = context.settings.public_cache_seconds
        key = None
        if ttl > 0 and context.viewer is None and execution.operation_type is OperationType.QUERY:
            version = await context.cache.version()
            raw = json.dumps(
                [execution.query, execution.variables, execution.operation_name], sort_keys=True, default=str
            )
            key = f"v{version}:{hashlib.sha256(raw.encode()).hexdigest()}"
            cached = await context.cache.get(key)
            metrics.cache_lookup(hit=cached is not None)
            if cached is not None:
                execution.result = ExecutionResult(data=json.loads(cached), errors=None)
                key = None
        yield
        result = execution.result
        if key and result is not None and not result.errors and result.data is not None:
            await context.cache.set(key, json.dumps(result.data, default=str), ttl)


def build_extensions(settings: Settings) -> list[Callable[[], SchemaExtension] | type[SchemaExtension]]:
    extensions: list = [
        OperationObserver,  # what ran and how it ended, for logs, metrics and status codes
        functools.partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        functools.partial(ParserCache, maxsize=512),
        # The depth and alias rules are made once per schema: QueryDepthLimiter and
        # MaxAliasesLimiter make new rule classes per instance (so per request), and
        # ValidationCache keys on the rule classes, so it never hit with them.
        functools.partial(
            AddValidationRules, [depth_rule(settings.max_query_depth, None), alias_rule(settings.max_aliases)]
        ),
        functools.partial(ValidationCache, maxsize=512),
        functools.partial(QueryCostLimiter, settings=settings),  # schema/cost.py
        PublicQueryCache,
    ]
    if settings.otel_exporter_otlp_endpoint:
        extensions.append(MutationTracing)
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    if not settings.field_suggestions:
        extensions.append(HideFieldSuggestions)
    if not settings.debug:
        extensions.append(
            functools.partial(MaskErrors, should_mask_error=should_mask_error, error_message="Internal server error.")
        )
    return extensions
