"""Logging with a request id on every line of a request; text (default) or one JSON object a line."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any, cast

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and, inside a request, its id,
    operation, viewer, status, duration and first error code. uvicorn's access lines are
    logged when the response starts, so their duration is the time until then."""

    def format(self, record: logging.LogRecord) -> str:
        from api.request_info import current

        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid and rid != "-":
            line["request_id"] = rid
        info = current()
        if info is not None:
            line["method"], line["path"] = info.method, info.path
            if info.operation_name or info.operation_type:
                line["operation_name"] = info.operation_name
                line["operation_type"] = info.operation_type
            if info.viewer_id is not None:
                line["viewer_id"] = info.viewer_id
            status = info.status
            if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
                status = cast(int, record.args[4])  # (client, method, path, http version, status)
            if status is not None:
                line["status"] = status
                line["duration_ms"] = round(info.elapsed * 1000, 2)
            if info.error_code:
                line["error_code"] = info.error_code
        for key in ("status", "duration_ms", "error_code"):  # lines that carry their own (not per request)
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def configure_logging(debug: bool, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print its lines (access log too) without request ids.
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("tortoise").setLevel(logging.WARNING)
