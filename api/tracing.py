"""Optional OpenTelemetry tracing: spans for HTTP requests, mutation resolvers, SQL statements
and Meilisearch calls.

On when the `tracing` extra is installed (`pip install 'guildhall[tracing]'`) and
OTEL_EXPORTER_OTLP_ENDPOINT names an OTLP/HTTP collector; the usual OTEL_* variables
(OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, ...) are honoured by the SDK. Off, every hook
is one `is None` test. Incoming `traceparent` headers continue the caller's trace.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from api.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.request_info import RequestInfo

log = logging.getLogger(__name__)

tracer: Any = None  # an opentelemetry Tracer while tracing is on
_provider: Any = None


def configure(settings: Settings) -> bool:
    """Start tracing to the configured collector, once per process. False when it stays off."""
    if tracer is not None or not settings.otel_exporter_otlp_endpoint:
        return tracer is not None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the tracing extra is not installed "
            "(pip install 'guildhall[tracing]'): no traces"
        )
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": "guildhall"}))
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    enable(provider)
    log.info("tracing to %s", endpoint)
    return True


def enable(provider: Any) -> None:
    """Trace through `provider` (an SDK TracerProvider; tests pass one with an in-memory exporter)."""
    global tracer, _provider
    _provider = provider
    tracer = provider.get_tracer("guildhall")


def disable() -> None:
    """Stop tracing, flushing what is buffered."""
    global tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    tracer = _provider = None


def request_span(scope: MutableMapping[str, Any], info: RequestInfo) -> Any:
    """The server span of one HTTP request; GraphQL attributes are added when it ends."""
    if tracer is None:
        return nullcontext()
    return _request_span(scope, info)


@contextmanager
def _request_span(scope: MutableMapping[str, Any], info: RequestInfo) -> Iterator[None]:
    from opentelemetry import propagate
    from opentelemetry.trace import SpanKind, Status, StatusCode

    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
    with tracer.start_as_current_span(
        f"{info.method} {info.path if info.path in ('/graphql', '/metrics') else _route(info.path)}",
        context=propagate.extract(headers),
        kind=SpanKind.SERVER,
        attributes={"http.request.method": info.method, "url.path": info.path},
    ) as span:
        try:
            yield
        finally:
            if info.status is not None:
                span.set_attribute("http.response.status_code", info.status)
                if info.status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            if info.operation_type:
                span.set_attribute("graphql.operation.type", info.operation_type)
            if info.operation_name:
                span.set_attribute("graphql.operation.name", info.operation_name)
            if info.viewer_id is not None:
                span.set_attribute("enduser.id", str(info.viewer_id))
            if info.error_codes:
                span.set_attribute("graphql.error_codes", info.error_codes)
            span.set_attribute("db.statement_count", info.sql_queries)


def _route(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    return f"/{first}/…" if "/" in path.strip("/") else f"/{first}"


def span(name: str, **attributes: Any) -> Any:
    """A span of work inside the current one (nothing when tracing is off)."""
    if tracer is None:
        return nullcontext()
    return tracer.start_as_current_span(name, attributes=attributes)


def sql_span(client: Any, query: str) -> Any:
    dialect = getattr(getattr(client, "capabilities", None), "dialect", "sql")
    verb = query.lstrip().split(None, 1)[0].upper() if query.strip() else "SQL"
    system = "postgresql" if dialect == "postgres" else dialect
    return span(f"SQL {verb}", **{"db.system": system, "db.statement": query[:2000]})


def meili_span(fn: Any) -> Any:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "call")
    return span(f"meilisearch {name}", **{"db.system": "meilisearch", "db.operation": name})


def mutation_span(field_name: str) -> Any:
    return span(f"mutation {field_name}", **{"graphql.operation.type": "mutation", "graphql.field.name": field_name})
