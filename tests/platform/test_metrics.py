"""/metrics: who may read it (loopback, or METRICS_TOKEN), and that each metric counts what it
says: GraphQL requests and latency by operation, errors and mutation refusals by code, SQL
statements per request (the same count as the query counter of the tests), public cache hits,
outbox backlog and age, background job runs, open WebSockets and subscription events.

(Several processes sharing their numbers is checked on served instances in `test_served.py`.)"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families


def value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` of a scrape, 0 when absent."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


async def test_metrics_are_served_on_loopback_or_with_the_token(make_client):
    assert (await (await make_client()).get("/metrics")).status_code == 200
    ipv6 = await make_client(client=("::1", 50000))
    assert (await ipv6.get("/metrics")).status_code == 200
    remote = await make_client(client=("203.0.113.7", 50000))
    assert (await remote.get("/metrics")).status_code == 403
    proxied = await (await make_client()).get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 403  # a reverse proxy on this host forwarding an outsider
    token = "metrics-token-0123456789"
    with_token = await make_client(client=("203.0.113.7", 50000), metrics_token=token)
    assert (await with_token.get("/metrics")).status_code == 401
    assert (await with_token.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
    ok = await with_token.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and "guildhall_graphql_requests_total" in ok.text


async def test_requests_latency_errors_and_refusals_by_operation(client, factory):
    user, token = await factory.member_with_token()
    before = await scrape(client)
    labels = {"operation": "MetricsViewer", "type": "query", "status": "200"}
    for _ in range(3):
        response = await client.post(
            "/graphql",
            json={"query": "query MetricsViewer { viewer { user { id } } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
    await client.post("/graphql", json={"query": "{ viewer { "})
    await client.post(
        "/graphql", json={"query": "query MetricsBad { nope }"}, headers={"Accept": "application/graphql-response+json"}
    )
    await client.post(
        "/graphql",
        json={
            "query": "mutation MetricsLogin($i: LoginInput!) { login(input: $i) { errors { code } } }",
            "variables": {"i": {"login": user.username, "password": "not-the-password"}},
        },
    )
    after = await scrape(client)

    def delta(name: str, **kw: str) -> float:
        return value(after, name, **kw) - value(before, name, **kw)

    assert delta("guildhall_graphql_requests_total", **labels) == 3
    assert delta("guildhall_graphql_request_duration_seconds_count", operation="MetricsViewer", type="query") == 3
    assert delta("guildhall_graphql_request_duration_seconds_sum", operation="MetricsViewer", type="query") > 0
    assert delta("guildhall_graphql_requests_total", operation="(anonymous)", type="unknown", status="200") == 1
    assert delta("guildhall_graphql_requests_total", operation="MetricsBad", type="query", status="400") == 1
    assert delta("guildhall_graphql_requests_total", operation="MetricsLogin", type="mutation", status="200") == 1
    assert delta("guildhall_graphql_errors_total", code="GRAPHQL_PARSE_FAILED") == 1
    assert delta("guildhall_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert delta("guildhall_mutation_refusals_total", code="UNAUTHENTICATED") == 1
    assert delta("guildhall_http_requests_total", route="/graphql", status="200") == 5


async def test_sql_statements_per_request_match_the_query_counter(client, factory, count_queries):
    for _ in range(3):
        await factory.user()
    _, token = await factory.member_with_token()
    before = await scrape(client)
    with count_queries as counter:
        response = await client.post(
            "/graphql",
            json={"query": "query MetricsUsers { users(first: 10) { nodes { username } } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200 and len(response.json()["data"]["users"]["nodes"]) == 4
    after = await scrape(client)
    assert counter.count > 0
    assert (
        value(after, "guildhall_sql_queries_per_request_sum", type="query")
        - value(before, "guildhall_sql_queries_per_request_sum", type="query")
    ) == counter.count


async def test_public_cache_hits_and_misses(make_client):
    http = await make_client(public_cache_seconds=30)
    before = await scrape(http)
    document = {"query": "query MetricsCached { __typename }"}
    for _ in range(3):
        assert (await http.post("/graphql", json=document)).status_code == 200
    after = await scrape(http)
    assert (
        value(after, "guildhall_public_cache_lookups_total", result="miss")
        - value(before, "guildhall_public_cache_lookups_total", result="miss")
        == 1
    )
    assert (
        value(after, "guildhall_public_cache_lookups_total", result="hit")
        - value(before, "guildhall_public_cache_lookups_total", result="hit")
        == 2
    )
    assert 0 < value(after, "guildhall_public_cache_hit_ratio") <= 1


async def test_outbox_backlog_and_age(client, clean_db):
    from api.models.search import SearchOutbox

    empty = await scrape(client)
    assert value(empty, "guildhall_outbox_backlog", outbox="search") == 0
    assert value(empty, "guildhall_outbox_oldest_age_seconds", outbox="search") == 0
    rows = [await SearchOutbox.create(kind="articles", object_id=n) for n in range(3)]
    old = datetime.now(UTC) - timedelta(minutes=10)
    await SearchOutbox.filter(id=rows[0].id).update(created_at=old)
    text = await scrape(client)
    assert value(text, "guildhall_outbox_backlog", outbox="search") == 3
    assert 600 <= value(text, "guildhall_outbox_oldest_age_seconds", outbox="search") < 3600


async def test_background_jobs_report_their_last_success_and_failures(client, app_settings):
    from api.registry import Job
    from api.runtime import Runtime, _loop

    runtime = await Runtime.start(app_settings)
    ran, failed = asyncio.Event(), asyncio.Event()

    async def good(settings):
        ran.set()

    async def bad(settings):
        failed.set()
        raise RuntimeError("job broke")

    started = time.time()
    tasks = [
        asyncio.create_task(_loop(Job("metrics-test-good", good), runtime, 3600)),
        asyncio.create_task(_loop(Job("metrics-test-bad", bad), runtime, 3600)),
    ]
    try:
        await asyncio.wait_for(asyncio.gather(ran.wait(), failed.wait()), 10)
        # Each loop records its run in the same step as the job returns, before it next waits.
        text = await scrape(client)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runtime.stop()
    assert value(text, "guildhall_job_last_success_timestamp_seconds", job="metrics-test-good") >= int(started)
    assert value(text, "guildhall_job_last_success_timestamp_seconds", job="metrics-test-bad") == 0
    assert value(text, "guildhall_job_failures_total", job="metrics-test-bad") >= 1


async def test_operation_names_are_capped(monkeypatch):
    from api import metrics

    monkeypatch.setattr(metrics, "_operation_names", set())
    monkeypatch.setattr(metrics, "MAX_OPERATION_NAMES", 2)
    assert [metrics.operation_label(n) for n in ("A", "B", "C", "A", None)] == ["A", "B", "(other)", "A", "(anonymous)"]


async def test_websocket_connections_and_subscription_events(app_settings, factory):
    from websockets.asyncio.client import connect

    from api.app import create_app
    from api.domain.notifications import notify
    from tests.platform.conftest import first_message, serving

    user, token = await factory.member_with_token()
    async with (
        serving(create_app(app_settings, manage_db=False)) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http,
    ):

        async def until(predicate, what: str) -> str:
            deadline = time.monotonic() + 10
            while True:
                text = await scrape(http)
                if predicate(text):
                    return text
                assert time.monotonic() < deadline, f"{what}:\n{text}"
                await asyncio.sleep(0.05)

        before = await scrape(http)
        events_before = value(before, "guildhall_subscription_events_delivered_total")
        connections = value(before, "guildhall_websocket_connections")
        async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            await until(lambda t: value(t, "guildhall_websocket_connections") == connections + 1, "connection")
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": "subscription { notificationAdded { kind } }"},
                    }
                )
            )
            received = await first_message(ws, lambda: notify(user.id, "test.metrics", message="hello"))
            assert received["type"] == "next"
            await until(
                lambda t: value(t, "guildhall_subscription_events_delivered_total") >= events_before + 1, "event"
            )
        await until(lambda t: value(t, "guildhall_websocket_connections") == connections, "disconnection")


async def test_requests_answered_further_out_keep_their_status(make_client):
    http = await make_client(max_body_bytes=1000)
    before = await scrape(http)

    async def chunks():  # no Content-Length: the cap is hit while the body streams in
        yield b'{"query": "{ __typename }'
        for _ in range(20):
            yield b" " * 100
        yield b'"}'

    response = await http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    after = await scrape(http)
    assert (
        value(after, "guildhall_http_requests_total", route="/graphql", status="413")
        - value(before, "guildhall_http_requests_total", route="/graphql", status="413")
        == 1
    )
