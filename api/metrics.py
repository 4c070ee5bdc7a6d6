"""Prometheus metrics, served at /metrics (README, "Operations").

Several app processes (`guildhall serve --workers N`, several uvicorn workers) share their
numbers through prometheus-client's multiprocess mode: set `PROMETHEUS_MULTIPROC_DIR` to an
empty folder writable by every process before they start (`prepare_multiprocess_dir` empties
it; prometheus-client reads the variable when it is imported). Any process then answers
/metrics with the sum over all of them. Without it, each process reports its own numbers.

Values that live in the database (outbox backlogs) are read when /metrics is scraped, by the
probes the domains' manifests name (`outboxes=`), so they are right whichever process answers.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.registry import registry
from api.request_info import RequestInfo

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
disable_created_metrics()  # no `_created` series: half the lines, and Prometheus does not need them

GRAPHQL_REQUESTS = Counter(
    "guildhall_graphql_requests",
    "GraphQL HTTP requests by operation name, type and HTTP status.",
    ["operation", "type", "status"],
)
GRAPHQL_LATENCY = Histogram(
    "guildhall_graphql_request_duration_seconds",
    "Time to answer a GraphQL HTTP request.",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_REQUESTS = Counter(
    "guildhall_http_requests",
    "HTTP requests by route (first path segment) and status.",
    ["route", "status"],
)
GRAPHQL_ERRORS = Counter(
    "guildhall_graphql_errors",
    "Errors in GraphQL responses by code (GRAPHQL_PARSE_FAILED, "
    "GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT, FORBIDDEN, INTERNAL_SERVER_ERROR, ...).",
    ["code"],
)
MUTATION_REFUSALS = Counter(
    "guildhall_mutation_refusals",
    "Expected mutation failures returned in payloads, by code.",
    ["code"],
)
SQL_PER_REQUEST = Histogram(
    "guildhall_sql_queries_per_request",
    "SQL statements sent to the database per HTTP request.",
    ["type"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144),
)
WEBSOCKETS = Gauge(
    "guildhall_websocket_connections",
    "Open WebSocket connections.",
    multiprocess_mode="livesum",
)
SUBSCRIPTION_EVENTS = Counter(
    "guildhall_subscription_events_delivered",
    "Subscription events sent to WebSocket clients.",
)
JOB_LAST_SUCCESS = Gauge(
    "guildhall_job_last_success_timestamp_seconds",
    "Unix time of the last successful run of a background job.",
    ["job"],
    multiprocess_mode="max",
)
JOB_FAILURES = Counter("guildhall_job_failures", "Failed runs of background jobs.", ["job"])
CACHE_LOOKUPS = Counter(
    "guildhall_public_cache_lookups",
    "Lookups of the public read cache by result (hit, miss).",
    ["result"],
)

# --- recording ---------------------------------------------------------------------------

# Operation names come from clients: label values are capped so a client inventing names
# cannot grow the metrics without bound (per process; the rest are counted as "(other)").
MAX_OPERATION_NAMES = 300
_operation_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "(anonymous)"
    if name in _operation_names:
        return name
    if len(_operation_names) < MAX_OPERATION_NAMES and len(name) <= 100:
        _operation_names.add(name)
        return name
    return "(other)"


def _route(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    return "/" + first if first in {"graphql", "media", "graphiql", "healthz", "readyz", "metrics"} else "(other)"


def observe_request(info: RequestInfo) -> None:
    """Called once per HTTP request when it ends (`api.http.observe`)."""
    status = str(info.status or 499)  # no response: the client left (nginx's 499)
    HTTP_REQUESTS.labels(_route(info.path), status).inc()
    if info.path != "/graphql" or info.method not in ("GET", "POST"):
        return
    if info.operation_type is None and info.status == 200 and info.method == "GET":
        return  # the GraphiQL page, not an operation
    operation, kind = operation_label(info.operation_name), info.operation_type or "unknown"
    GRAPHQL_REQUESTS.labels(operation, kind, status).inc()
    GRAPHQL_LATENCY.labels(operation, kind).observe(info.elapsed)
    SQL_PER_REQUEST.labels(kind).observe(info.sql_queries)
    for code in info.error_codes:
        GRAPHQL_ERRORS.labels(code).inc()
    for code in info.user_error_codes:
        MUTATION_REFUSALS.labels(code).inc()


@contextmanager
def open_websocket() -> Iterator[None]:
    WEBSOCKETS.inc()
    try:
        yield
    finally:
        WEBSOCKETS.dec()


def subscription_event_delivered() -> None:
    SUBSCRIPTION_EVENTS.inc()


def job_finished(name: str, ok: bool) -> None:
    if ok:
        JOB_LAST_SUCCESS.labels(name).set(time.time())
    else:
        JOB_FAILURES.labels(name).inc()


def cache_lookup(hit: bool) -> None:
    CACHE_LOOKUPS.labels("hit" if hit else "miss").inc()


# --- outboxes ----------------------------------------------------------------------------


async def _outbox_values() -> dict[str, tuple[int, float | None]]:
    """Each outbox's probe (manifests' `outboxes`): rows waiting and the oldest's age."""
    now = datetime.now(UTC)
    values = {}
    for name, probe in registry().outboxes.items():
        try:
            backlog, oldest = await probe.measure()
        except Exception:  # a failing probe must not hide the other metrics
            log.exception("outbox probe %s failed", name)
            continue
        values[name] = (backlog, (now - oldest).total_seconds() if oldest else None)
    return values


class _ScrapeCollector:
    """The process (or multiprocess) metrics plus values computed for this scrape."""

    def __init__(self, outboxes: dict[str, tuple[int, float | None]]) -> None:
        self.outboxes = outboxes

    def collect(self) -> Iterator[Metric]:
        if is_multiprocess():
            from prometheus_client import multiprocess

            source = CollectorRegistry()
            multiprocess.MultiProcessCollector(source)
        else:
            source = REGISTRY
        families = list(source.collect())
        yield from families
        backlog = GaugeMetricFamily("guildhall_outbox_backlog", "Rows waiting in an outbox.", labels=["outbox"])
        age = GaugeMetricFamily(
            "guildhall_outbox_oldest_age_seconds",
            "Age of the oldest row waiting in an outbox (0 when empty).",
            labels=["outbox"],
        )
        for name, (count, oldest_age) in sorted(self.outboxes.items()):
            backlog.add_metric([name], count)
            age.add_metric([name], oldest_age or 0.0)
        yield backlog
        yield age
        lookups = {
            s.labels.get("result"): s.value
            for f in families
            if f.name == "guildhall_public_cache_lookups"
            for s in f.samples
            if s.name.endswith("_total")
        }
        total = sum(lookups.values())
        if total:
            yield GaugeMetricFamily(
                "guildhall_public_cache_hit_ratio",
                "Share of public cache lookups that hit, since start.",
                value=lookups.get("hit", 0) / total,
            )


async def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ScrapeCollector(await _outbox_values()))
    return generate_latest(registry)


# --- several processes -------------------------------------------------------------------


def is_multiprocess() -> bool:
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue


def prepare_multiprocess_dir(path: Path) -> None:
    """For a supervisor about to start worker processes: an empty metrics folder, exported
    so the workers (which inherit the environment) share their numbers through it. Call it
    before the workers import anything of Guildhall."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)


def process_stopped() -> None:
    """Drop this process's live gauges (open WebSockets) from the shared numbers."""
    if is_multiprocess():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


# --- the endpoint ------------------------------------------------------------------------


def _loopback(request: Request) -> bool:
    client = request.client
    if client is None:
        return False
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False  # a reverse proxy on this host forwarded someone else's request
    try:
        return ipaddress.ip_address(client.host).is_loopback
    except ValueError:
        return False


def _token_ok(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "")
    if not token or given[:7].lower() != "bearer ":
        return False
    return hmac.compare_digest(given[7:].strip().encode(), token.encode())


async def metrics_endpoint(request: Request) -> Response:
    settings = request.app.state.settings
    if not (_token_ok(request, settings.metrics_token) or _loopback(request)):
        if settings.metrics_token:
            return PlainTextResponse(
                "Send the metrics token as a Bearer token.",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return PlainTextResponse("Metrics are served on loopback only (or set METRICS_TOKEN).", status_code=403)
    return Response(await render(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    return [Route("/metrics", metrics_endpoint, methods=["GET"])]
