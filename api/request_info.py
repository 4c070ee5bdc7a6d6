"""What is known about the HTTP request being served, for logs, metrics and status codes.

`api.http.observe.ObserveMiddleware` starts a `RequestInfo` per HTTP request and keeps it in a
context variable; the GraphQL layer fills in the operation, the viewer and the errors
(`schema.observe`), the SQL hook counts queries (`api.sql_hooks`), and the JSON log formatter
reads it for every line logged while the request runs. Outside a request (background jobs,
WebSockets, the CLI) there is none and every recorder does nothing.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field


@dataclass
class RequestInfo:
    method: str
    path: str
    started: float = field(default_factory=time.perf_counter)
    operation_name: str | None = None
    # "query", "mutation", "subscription", or None before the document was parsed.
    operation_type: str | None = None
    viewer_id: int | None = None
    status: int | None = None
    # Codes of the GraphQL errors of the response, in order (see `schema.observe`).
    error_codes: list[str] = field(default_factory=list)
    # Codes of refusals returned in mutation payloads (`errors: [UserError]`).
    user_error_codes: list[str] = field(default_factory=list)
    # The document could not run at all (parse, validation or variable errors, unknown
    # persisted query): a 4xx under application/graphql-response+json.
    request_error: bool = False
    # An extension failed before anything ran (a bug or a service down): masked, 500.
    internal_error: bool = False
    sql_queries: int = 0

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def error_code(self) -> str | None:
        """The first error of the response, else the first refusal: what a log line shows."""
        codes = self.error_codes or self.user_error_codes
        return codes[0] if codes else None


current_request: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("current_request", default=None)


def current() -> RequestInfo | None:
    return current_request.get()
