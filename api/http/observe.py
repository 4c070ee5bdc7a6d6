"""Per-request observation: a `RequestInfo` for logs and metrics, the request's trace span,
open WebSockets, and clients that leave before their request was read (one INFO line, no
traceback: load tests and flaky mobile networks do this all the time)."""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics, tracing
from api.request_info import RequestInfo, current_request

log = logging.getLogger("guildhall.http")


class ObserveMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            with metrics.open_websocket():
                await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info = RequestInfo(method=scope["method"], path=scope["path"])
        token = current_request.set(info)

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                info.status = message["status"]
            await send(message)

        try:
            with tracing.request_span(scope, info):
                await self.app(scope, receive, observed_send)
        except ClientDisconnect:
            # Nothing can be answered any more; uvicorn stays quiet about a request whose client
            # is gone, so this is the only line about it.
            log.info("client disconnected before the request was read: %s %s", info.method, info.path)
        except Exception as exc:
            # Answered further out (a body over its cap: 413; anything else: 500).
            info.status = info.status or getattr(exc, "status_code", 500)
            raise
        finally:
            metrics.observe_request(info)
            current_request.reset(token)
