"""Optional tracing (the `tracing` extra, installed with the dev dependencies): a server span per
HTTP request continuing the caller's `traceparent`, spans of mutation resolvers, of each SQL
statement and of Meilisearch calls; nothing at all when it is off; and the configured OTLP/HTTP
exporter delivering to a collector (a loopback receiver standing in for one)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import AsyncIterator, Iterator
from typing import ClassVar

import httpx
import pytest
import pytest_asyncio
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api import tracing
from api.settings import Settings

LOGIN = "mutation TracedLogin($i: LoginInput!) { login(input: $i) { token errors { code } } }"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    yield exporter
    tracing.disable()


@pytest_asyncio.fixture
async def traced_client(app_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from api.app import create_app
    from api.settings import set_settings

    # With an endpoint configured the schema carries the mutation-span extension.
    app = create_app(app_settings.replace(otel_exporter_otlp_endpoint="http://127.0.0.1:9"), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
    set_settings(app_settings)


async def test_a_mutation_request_is_a_trace_of_request_resolver_and_sql(spans, traced_client, factory):
    from tests.conftest import TEST_PASSWORD

    user = await factory.user()
    spans.clear()  # the factory's own statements
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    response = await traced_client.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"i": {"login": user.username, "password": TEST_PASSWORD}},
        },
        headers={"traceparent": f"00-{trace_id}-{parent_id}-01"},
    )
    assert response.json()["data"]["login"]["token"]
    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.name == "POST /graphql"]
    assert format(server.context.trace_id, "032x") == trace_id  # the caller's trace goes on
    assert format(server.parent.span_id, "016x") == parent_id
    assert server.attributes["graphql.operation.type"] == "mutation"
    assert server.attributes["graphql.operation.name"] == "TracedLogin"
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["enduser.id"] == str(user.id)
    [resolver] = [s for s in finished if s.name == "mutation login"]
    assert resolver.parent.span_id == server.context.span_id
    sql = [s for s in finished if s.name.startswith("SQL ")]
    assert sql and all(s.context.trace_id == server.context.trace_id for s in sql)
    in_resolver = [s for s in sql if s.parent.span_id == resolver.context.span_id]
    assert {s.name for s in in_resolver} >= {"SQL SELECT", "SQL INSERT"}  # the member, the new token
    system = "postgresql" if "postgres" in user._meta.db.capabilities.dialect else "sqlite"
    assert all(s.attributes["db.system"] == system for s in sql)
    assert server.attributes["db.statement_count"] == len(sql)


async def test_meilisearch_calls_are_spans(spans, traced_client):
    response = await traced_client.get("/readyz")
    assert response.status_code == 200
    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.name == "GET /readyz"]
    [meili] = [s for s in finished if s.name.startswith("meilisearch ")]
    assert meili.name == "meilisearch Client.is_healthy" and meili.attributes["db.system"] == "meilisearch"
    assert meili.parent.span_id == server.context.span_id


async def test_queries_have_no_resolver_spans_and_tracing_off_records_nothing(spans, traced_client, client, factory):
    _, token = await factory.member_with_token()
    await traced_client.post(
        "/graphql", json={"query": "{ viewer { user { id } } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    names = [s.name for s in spans.get_finished_spans()]
    assert "POST /graphql" in names and not [n for n in names if n.startswith("mutation ")]
    spans.clear()
    tracing.disable()
    assert tracing.tracer is None
    await client.post(
        "/graphql", json={"query": "{ viewer { user { id } } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert spans.get_finished_spans() == ()


class _Collector(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, bytes]]] = []

    def do_POST(self) -> None:  # http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


async def test_configured_tracing_exports_to_the_collector(app_settings, client):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Collector.received = []
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        assert tracing.configure(app_settings) is False  # no endpoint: stays off
        assert tracing.configure(app_settings.replace(otel_exporter_otlp_endpoint=endpoint)) is True
        response = await client.get("/healthz")
        assert response.status_code == 200
    finally:
        tracing.disable()  # flushes the batch to the collector
        server.shutdown()
        thread.join()
    [(path, content_type, body)] = _Collector.received
    assert path == "/v1/traces" and content_type == "application/x-protobuf"
    request = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = request.resource_spans
    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert attributes["service.name"] == "guildhall"
    names = [span.name for scope in resource_spans.scope_spans for span in scope.spans]
    assert names == ["GET /healthz"]
