"""The HTTP surface: limits on abusive documents and bodies, error masking, introspection and
suggestions switches, health and readiness, request ids (headers and logs), CORS."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import httpx

VIEWER_COUNT = "{ viewer { unreadNotificationCount } }"
TYPENAME = "{ __typename }"


async def _post(http: httpx.AsyncClient, query: str, token: str | None = None, **kw) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": query}, headers={**headers, **kw.pop("headers", {})}, **kw)


def _messages(body: dict) -> list[str]:
    return [e["message"] for e in body.get("errors") or []]


# -- limits --------------------------------------------------------------------------------


async def test_too_deep_documents_are_rejected(make_client, factory):
    _, token = await factory.member_with_token()
    deep = "{ viewer { notifications { edges { node { actor { username } } } } } }"  # depth 5
    loose = await make_client(max_query_depth=5)
    assert "errors" not in (await _post(loose, deep, token)).json()
    strict = await make_client(max_query_depth=4)
    body = (await _post(strict, deep, token)).json()
    assert body.get("data") is None
    assert any("exceeds maximum operation depth of 4" in m for m in _messages(body)), body


async def test_default_depth_limit_stops_a_deep_document(client):
    document = "query { " + "a { " * 14 + "b" + " }" * 14 + " }"
    body = (await client.post("/graphql", json={"query": document})).json()
    assert any("exceeds maximum operation depth of 12" in m for m in _messages(body)), body


async def test_too_many_aliases_are_rejected(client):
    ok = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert "errors" not in (await client.post("/graphql", json={"query": ok})).json()
    too_many = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    body = (await client.post("/graphql", json={"query": too_many})).json()
    assert body.get("data") is None
    assert any("aliases found" in m and "30" in m for m in _messages(body)), body


async def test_too_many_tokens_are_rejected(client):
    document = "{ " + "__typename " * 4000 + "}"
    body = (await client.post("/graphql", json={"query": document})).json()
    assert body.get("data") is None
    assert any("token limit of 4000" in m.lower() or "4000 tokens" in m for m in _messages(body)), body


async def test_page_size_over_the_maximum_is_refused_readably(client, factory):
    await factory.user()
    body = (await client.post("/graphql", json={"query": "{ users(first: 101) { totalCount } }"})).json()
    assert _messages(body) == ["`first` must be between 0 and 100."]
    body = (await client.post("/graphql", json={"query": "{ users(last: 101) { totalCount } }"})).json()
    assert _messages(body) == ["`last` must be between 0 and 100."]
    body = (await client.post("/graphql", json={"query": "{ users(first: 100) { totalCount } }"})).json()
    assert body["data"]["users"]["totalCount"] == 1


async def test_body_over_max_body_bytes_is_413_whether_declared_or_streamed(make_client):
    http = await make_client(max_body_bytes=2_000)
    padding = " " * 2_100
    declared = await http.post(
        "/graphql",
        content=f'{{"query": "{{ __typename }}{padding}"}}',
        headers={"content-type": "application/json", "x-request-id": "big-1"},
    )
    assert declared.status_code == 413
    assert declared.headers["x-request-id"] == "big-1"
    assert "larger than 2000 bytes" in declared.json()["errors"][0]["message"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"query": "{ __typename }'
        for _ in range(30):
            yield b" " * 100
        yield b'"}'

    streamed = await http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    small = await http.post("/graphql", json={"query": TYPENAME})
    assert small.status_code == 200 and small.json() == {"data": {"__typename": "Query"}}


# -- errors --------------------------------------------------------------------------------


async def _explode(user_id: int) -> int:
    raise RuntimeError("database password is hunter2")


async def test_unexpected_errors_are_masked_outside_debug_and_shown_with_debug(make_client, factory, monkeypatch):
    from api.domain import notifications

    _, token = await factory.member_with_token()
    monkeypatch.setattr(notifications, "unread_count", _explode)
    masked = (await _post(await make_client(debug=False), VIEWER_COUNT, token)).json()
    assert _messages(masked) == ["Internal server error."]
    assert "hunter2" not in str(masked)
    shown = (await _post(await make_client(debug=True), VIEWER_COUNT, token)).json()
    assert _messages(shown) == ["database password is hunter2"]


async def test_validation_and_public_errors_stay_readable_when_masking(client):
    body = (await client.post("/graphql", json={"query": "{ viewer { nope } }"})).json()
    assert _messages(body) == ["Cannot query field 'nope' on type 'Viewer'."]
    body = (await client.post("/graphql", json={"query": '{ users(after: "garbage") { totalCount } }'})).json()
    assert _messages(body) == ["Invalid cursor."]
    body = (await client.post("/graphql", json={"query": "{ viewer { "})).json()
    assert _messages(body) and _messages(body)[0].startswith("Syntax Error")


async def test_introspection_and_suggestions_follow_their_settings(make_client):
    introspect = "{ __schema { queryType { name } } }"
    typo = "{ viewr { user { id } } }"
    open_ = await make_client(introspection=True, field_suggestions=True)
    assert (await _post(open_, introspect)).json()["data"]["__schema"]["queryType"]["name"] == "Query"
    [suggested] = _messages((await _post(open_, typo)).json())
    assert suggested.startswith("Cannot query field 'viewr' on type 'Query'. Did you mean 'viewer'")

    closed = await make_client(introspection=False, field_suggestions=False)
    body = (await _post(closed, introspect)).json()
    assert body.get("data") is None and any("introspection" in m.lower() for m in _messages(body))
    assert _messages((await _post(closed, typo)).json()) == ["Cannot query field 'viewr' on type 'Query'."]
    assert (await _post(closed, TYPENAME)).json() == {"data": {"__typename": "Query"}}


# -- health, readiness, request ids, CORS -------------------------------------------------


def _checks(response) -> dict:
    """/readyz without its informational details (the age of the last backup)."""
    return {k: v for k, v in response.json().items() if k != "details"}


async def test_healthz_and_readyz(client, make_client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["details"]["backup"]["last"] is None  # none made yet
    assert _checks(ready) == {"status": "ready", "checks": {"database": "ok", "search": "ok"}}
    from api.meili_process import free_port

    cut_off = await make_client(meili_url=f"http://127.0.0.1:{free_port()}")
    unready = await cut_off.get("/readyz")
    assert unready.status_code == 503
    assert _checks(unready) == {"status": "unavailable", "checks": {"database": "ok", "search": "unreachable"}}
    assert (await cut_off.get("/healthz")).status_code == 200  # alive, just not ready


async def test_readyz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from api import app as app_module

    class Down:
        async def execute_query(self, *args, **kwargs):
            raise ConnectionRefusedError("database is down")

    monkeypatch.setattr(app_module, "connection", lambda: Down())
    unready = await client.get("/readyz")
    assert unready.status_code == 503
    assert _checks(unready) == {
        "status": "unavailable",
        "checks": {"database": "error: ConnectionRefusedError", "search": "ok"},
    }


async def test_request_id_is_echoed_or_made_and_tags_log_lines(client, factory, monkeypatch):
    from api.domain import notifications
    from api.logging_setup import RequestIdFilter

    made = await client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    given = await client.get("/healthz", headers={"X-Request-ID": "req-123"})
    assert given.headers["x-request-id"] == "req-123"

    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("strawberry.execution")
    logger.addHandler(handler)
    try:
        _, token = await factory.member_with_token()
        monkeypatch.setattr(notifications, "unread_count", _explode)
        await _post(client, VIEWER_COUNT, token, headers={"X-Request-ID": "req-456"})
    finally:
        logger.removeHandler(handler)
    assert records and {r.request_id for r in records} == {"req-456"}


async def test_cors_allows_only_configured_origins(make_client, client):
    http = await make_client(cors_origins=("https://app.example.org",))
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = await http.options("/graphql", headers={"Origin": "https://app.example.org", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.org"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    refused = await http.options("/graphql", headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    simple = await http.post("/graphql", json={"query": TYPENAME}, headers={"Origin": "https://app.example.org"})
    assert simple.headers["access-control-allow-origin"] == "https://app.example.org"
    # Without CORS_ORIGINS no cross-origin access is granted at all.
    plain = await client.post("/graphql", json={"query": TYPENAME}, headers={"Origin": "https://app.example.org"})
    assert "access-control-allow-origin" not in plain.headers


async def test_parsing_and_validation_are_cached_across_requests(client, monkeypatch):
    import uuid

    from strawberry.schema import schema as strawberry_schema

    calls: list[str] = []
    original = strawberry_schema.validate

    def counting_validate(*args, **kwargs):
        calls.append("validate")
        return original(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting_validate)
    document = f"query Unique{uuid.uuid4().hex} {{ __typename viewer {{ user {{ id }} }} }}"
    for _ in range(3):
        body = (await client.post("/graphql", json={"query": document})).json()
        assert body == {"data": {"__typename": "Query", "viewer": None}}
    assert calls == ["validate"]
