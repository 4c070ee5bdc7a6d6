"""Logs: LOG_FORMAT=json writes one JSON object a line with the request's id, operation, viewer
and error code on every line of a request; text stays the default; a client that leaves before
its body arrived is one INFO line and no exception. (A served instance's access lines, with
status and duration, are checked in `test_served.py`.)"""

from __future__ import annotations

import io
import json
import logging

from api.logging_setup import JsonFormatter, RequestIdFilter, configure_logging


def _capture() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    return handler, stream


def test_a_json_line_outside_requests():
    handler, stream = _capture()
    log = logging.getLogger("guildhall.test.json")
    log.addHandler(handler)
    try:
        log.warning("plain %s", "message")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first.keys() == {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == ("WARNING", "guildhall.test.json", "plain message")
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


async def test_lines_logged_during_a_request_carry_its_id_operation_viewer_and_error(client, factory):
    user, token = await factory.member_with_token()
    handler, stream = _capture()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        response = await client.post(
            "/graphql",
            json={"query": "query Broken { viewer { nope } }"},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "log-test-1"},
        )
        assert response.status_code == 200
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [error] = [line for line in lines if line["logger"] == "strawberry.execution"]
    assert error["request_id"] == "log-test-1" and error["level"] == "ERROR"
    assert error["operation_name"] == "Broken" and error["operation_type"] == "query"
    assert error["viewer_id"] == user.id and error["error_code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (error["method"], error["path"]) == ("POST", "/graphql")


def test_configure_logging_picks_the_format():
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        configure_logging(False, "json")
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        configure_logging(False)
        assert not isinstance(root.handlers[0].formatter, JsonFormatter)
        assert "%(request_id)s" in root.handlers[0].formatter._fmt
    finally:
        root.handlers[:], root.level = saved, level


async def test_a_client_gone_before_its_body_is_one_info_line(app, caplog):
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100"), (b"x-request-id", b"gone-1")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
        "app": app,
    }
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)  # nothing raised: nothing for the server to log
    assert sent == []
    records = [r for r in caplog.records if r.name == "guildhall.http"]
    assert [(r.levelname, r.getMessage(), r.exc_info) for r in records] == [
        ("INFO", "client disconnected before the request was read: POST /graphql", None)
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
