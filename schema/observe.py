"""Record what each GraphQL operation of an HTTP request was and how it ended, in the request's
`RequestInfo` (logs, metrics, the status codes of application/graphql-response+json).

Error codes, decided before errors are masked:
- GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT (variables that do not
  coerce): the document could not run at all, a request error;
- on fields: the code of a `DomainError`, BAD_USER_INPUT for a `PublicError`, FORBIDDEN for a
  refused permission, INTERNAL_SERVER_ERROR for anything else (bugs, masked in production).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from api import tracing
from api.errors import DomainError
from api.request_info import current
from schema.errors import PublicError

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"


def field_error_code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    original = error.original_error
    if isinstance(original, DomainError):
        return original.code.value
    if isinstance(original, PublicError):
        return BAD_USER_INPUT
    if isinstance(original, GraphQLError):
        return "FORBIDDEN"  # strawberry's permission classes raise GraphQLErrors
    return INTERNAL


class OperationObserver(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        self.classified = False
        info = current()
        viewer = getattr(self.execution_context.context, "viewer", None)
        if info is not None and viewer is not None:
            info.viewer_id = viewer.id
        try:
            yield
        except GraphQLSyntaxError:
            # Parsing extensions (ParserCache, the token limit) parse before the parse hooks of
            # the extensions listed after them run, so only this hook sees their syntax errors.
            self._request_errors(PARSE_FAILED, count=1)
            raise
        except Exception as exc:
            # Raised by an extension outside any phase strawberry masks errors in: the view
            # masks it (`api.http.view`) unless it is an error meant for the client.
            if info is not None and not isinstance(exc, GraphQLError):
                self.classified = True
                info.internal_error = True
                info.error_codes.append(INTERNAL)
            raise
        if info is None:
            return
        execution = self.execution_context
        self._record_operation(info)
        viewer = getattr(execution.context, "viewer", None)
        if viewer is not None:  # signed in by this very operation (login, register)
            info.viewer_id = viewer.id
        result = execution.result
        if not self.classified and result is not None and result.errors:
            info.error_codes.extend(INTERNAL for _ in result.errors)  # an extension failed

    def on_parse(self) -> Iterator[None]:
        yield
        self._request_errors(PARSE_FAILED)
        if (info := current()) is not None:
            self._record_operation(info)  # known from here on, for the lines logged meanwhile

    def _record_operation(self, info) -> None:
        try:
            info.operation_type = self.execution_context.operation_type.value
        except Exception:  # noqa: BLE001 - not parsed, or no operation of that name
            return
        info.operation_name = self.execution_context.operation_name

    def on_validate(self) -> Iterator[None]:
        yield
        self._request_errors(VALIDATION_FAILED)

    def on_execute(self) -> Iterator[None]:
        yield
        info = current()
        result = self.execution_context.result
        if info is None or result is None:
            return
        self.classified = True
        errors = result.errors or []
        if result.data is None and errors and all(e.path is None for e in errors):
            # graphql-core refused the variables before running anything.
            info.request_error = True
            info.error_codes.extend(BAD_USER_INPUT for _ in errors)
            return
        info.error_codes.extend(field_error_code(e) for e in errors)

    def _request_errors(self, code: str, count: int | None = None) -> None:
        errors = self.execution_context.pre_execution_errors
        count = len(errors or ()) if count is None else count
        info = current()
        if count and info is not None and not self.classified:
            self.classified = True
            info.request_error = True
            info.error_codes.extend(code for _ in range(count))


class MutationTracing(SchemaExtension):
    """A span around each root mutation field (added to the schema only when tracing is
    configured: a `resolve` hook wraps every field of every operation)."""

    def resolve(self, _next, root, info, *args, **kwargs):
        if tracing.tracer is None or info.path.prev is not None or info.operation.operation.value != "mutation":
            return _next(root, info, *args, **kwargs)
        return self._traced(_next, root, info, *args, **kwargs)

    async def _traced(self, _next, root, info, *args, **kwargs):
        with tracing.mutation_span(info.field_name):
            result = _next(root, info, *args, **kwargs)
            if hasattr(result, "__await__"):
                result = await result
            return result
