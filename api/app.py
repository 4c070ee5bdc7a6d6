"""The Starlette app: /graphql (HTTP and graphql-transport-ws), /healthz, /readyz, /media.

Build it with `create_app(settings)`; the lifespan connects the database and starts the
background jobs; the Meilisearch child process (embedded default) is owned by the CLI.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import CompleteMessage
from strawberry.utils.aio import aclosing

from api import gctune, metrics, sql_hooks, tracing
from api.db import close_db, connection, init_db
from api.domain.accounts import authenticate, sessions_channel, token_still_valid
from api.domain.activity import record_visit
from api.domain.community.settings import CHANNEL as COMMUNITY_SETTINGS
from api.domain.community.settings import check_bounds, effective, forget
from api.http.csrf import PREFLIGHT_HEADERS, has_preflight_header, refusal
from api.http.observe import ObserveMiddleware
from api.http.view import GraphQLOverHTTP, TransportWS
from api.logging_setup import request_id
from api.pubsub import subscribe
from api.registry import load as load_registry
from api.runtime import Runtime
from api.settings import Settings, get_settings, set_settings, use_settings
from api.upload_gate import AUTH_STATE_KEY as UPLOAD_AUTH
from api.upload_gate import is_multipart, multipart_refusal

if TYPE_CHECKING:
    from schema.context import Context

log = logging.getLogger(__name__)
# Uploads (multipart requests) must carry this header: browsers preflight it (CSRF defence).
UPLOAD_CSRF_HEADER = "GraphQL-Require-Preflight"


def _bearer(value: str | None) -> str | None:
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip()
    return None


def _client_key(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


class PerOperationTransportWS(TransportWS):
    """graphql-transport-ws where every operation runs with a context of its own: the viewer is
    read again from the connection's token (role, sanctions, validity) and loaders and memo start
    empty. A session that ended meanwhile closes the socket (4401) instead of running anything."""

    context: Context

    async def run_operation(self, operation: Any) -> None:
        # Strawberry's own `run_operation`, with the context of this operation instead of the
        # connection's (keep in step with strawberry's when upgrading it).
        context = await self.context.for_operation()
        if context is None:
            await self.websocket.close(code=4401, reason="Session ended; sign in again.")
            return
        try:
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message(CompleteMessage(id=operation.id, type="complete"))
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise


class GuildhallGraphQL(GraphQLOverHTTP, GraphQL):
    """Strawberry's ASGI view with Guildhall's context and WebSocket authentication."""

    graphql_transport_ws_handler_class = PerOperationTransportWS

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        from schema import build_schema

        # Only graphql-transport-ws: its handler decides every operation anew (the legacy
        # graphql-ws protocol would keep a connection-wide context).
        super().__init__(
            build_schema(runtime.settings), subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,), **kwargs
        )
        self.runtime = runtime
        # Session watchers of open WebSockets, by the connection's ASGI scope.
        self._watchers: dict[int, asyncio.Task[Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Before a byte of the body is read.
        if scope["type"] == "http" and is_multipart(scope) and (refusal := await multipart_refusal(scope)) is not None:
            await refusal(scope, receive, send)
            return
        try:
            await super().__call__(scope, receive, send)
        finally:
            watcher = self._watchers.pop(id(scope), None)
            if watcher is not None:  # the connection is over: so is its watcher
                watcher.cancel()

    def _context(self, request: Any, response: Any) -> Any:
        from schema.context import Context

        return Context(
            settings=self.runtime.settings,
            limiter=self.runtime.limiter,
            cache=self.runtime.cache,
            request=request,
            response=response,
            client=_client_key(request.scope),
        )

    async def get_context(self, request: Any, response: Any) -> Any:
        context = self._context(request, response)
        context.settings = await effective(self.runtime.settings)
        use_settings(context.settings)  # what event handlers and deciders of this request see
        token = _bearer(request.headers.get("authorization"))
        if token and request.scope["type"] == "http":
            found = request.scope.get("state", {}).get(UPLOAD_AUTH) or await authenticate(token, context.memo)
            if found is not None:
                context.viewer, context.token = found
                await record_visit(context.viewer, settings=context.settings)
        return context

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        # CSRF: a cross-site HTML form may post multipart/form-data without a CORS preflight,
        # but cannot add a custom header; uploads must carry one (`api.http.csrf`, README "Media").
        if not has_preflight_header(request.headers):
            raise HTTPException(400, refusal())
        return await super().parse_multipart(request)

    async def on_ws_connect(self, context: Any) -> Any:
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization") or ""
        token = _bearer(raw) or params.get("token")
        if token:
            found = await authenticate(str(token))
            if found is None:
                raise ConnectionRejectionError()
            context.viewer, context.token = found
            context.credentials = str(token)
            self._watchers[id(context.request.scope)] = asyncio.create_task(
                self._watch_session(context.request, found[1])
            )
        return None

    async def _watch_session(self, websocket: Any, token: Any) -> None:
        """Close a signed-in WebSocket (code 4401) once its token is revoked or expired or its
        member banned: every subscription on it ends, whatever its domain. Sign-outs, bans, role
        changes, sanctions and committee removals announce themselves on the member's sessions
        channel (through Redis across processes); the rest is caught by polling. What the member
        may see and do is decided again at every operation and event (`PerOperationTransportWS`,
        `schema.live`), so a socket that stays open never acts on stale rights."""
        interval = self.runtime.settings.ws_session_check_seconds
        wake = asyncio.Event()

        async def listen() -> None:
            async with subscribe(sessions_channel(token.user_id)) as messages:
                async for _ in messages:
                    wake.set()

        listener = asyncio.create_task(listen())
        try:
            while websocket.application_state is WebSocketState.CONNECTED:
                try:
                    await asyncio.wait_for(wake.wait(), interval)
                except TimeoutError:
                    pass
                wake.clear()
                if websocket.application_state is not WebSocketState.CONNECTED:
                    return
                if not await token_still_valid(token):
                    await websocket.close(code=4401, reason="Session ended; sign in again.")
                    return
        except WebSocketDisconnect:
            pass  # the client left first
        except Exception:  # a watcher failure must not take the connection down
            log.exception("session watcher failed")
        finally:
            listener.cancel()


class RequestContextMiddleware:
    """Request ids (taken from `X-Request-ID` or made) on logs and responses, and a cap on
    request body size, checked as bytes arrive so an oversized body is never buffered whole."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        token = request_id.set(rid)
        is_multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.settings.max_upload_bytes if is_multipart else self.settings.max_body_bytes

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, receive, send_with_id, limit)
            request_id.reset(token)
            return
        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, capped_receive, send_with_id)
        except _BodyTooLarge:
            await _too_large(scope, receive, send_with_id, limit)
        finally:
            request_id.reset(token)


class _BodyTooLarge(Exception):
    status_code = 413  # what is answered (for metrics, which see the exception go by)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = JSONResponse({"errors": [{"message": f"Request body is larger than {limit} bytes."}]}, status_code=413)
    await response(scope, receive, send)


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    from search.client import is_healthy

    checks: dict[str, str] = {}
    try:
        await connection().execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"error: {type(exc).__name__}"
    checks["search"] = "ok" if await is_healthy(request.app.state.settings) else "unreachable"
    ready = all(v == "ok" for v in checks.values())
    from api.backup import backup_status  # informational: an old backup does not make us unready

    details = {"backup": await backup_status(request.app.state.settings)}
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks, "details": details},
        status_code=200 if ready else 503,
    )


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """The ASGI app. `manage_db=False` leaves database set-up to the caller (tests)."""
    settings = settings or get_settings()
    set_settings(settings)
    load_registry()
    holder: dict[str, Runtime] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tracing.configure(settings)
        if manage_db:
            await init_db(settings)
        check_bounds(settings)  # a limit its columns cannot hold stops start-up (stored values are checked when set)
        runtime = holder["runtime"] = await Runtime.start(settings)
        graphql.runtime = runtime
        runtime.listen(COMMUNITY_SETTINGS, forget)  # another process changed community settings
        if settings.run_workers:
            runtime.start_jobs()
        if manage_db:  # a serving process (tests' apps share the test process: leave its collector alone)
            gctune.settle_after_startup()
        try:
            yield
        finally:
            await runtime.stop()
            from search.client import close_search_clients

            await close_search_clients()
            if manage_db:
                await close_db()
            metrics.process_stopped()

    # The view needs a runtime before the lifespan runs (tests may skip the lifespan):
    # start with in-process services; the lifespan swaps in the configured ones.
    from api.pubsub import get_broker
    from api.ratelimit import MemoryRateLimiter

    graphql = GuildhallGraphQL(
        Runtime(settings=settings, limiter=MemoryRateLimiter(), broker=get_broker()),
        graphql_ide="graphiql" if settings.debug or settings.introspection else None,
        multipart_uploads_enabled=True,
        keep_alive=True,
        keep_alive_interval=15,
    )
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    routes.extend(_extra_routes(settings))
    sql_hooks.install()
    middleware = [Middleware(RequestContextMiddleware, settings=settings), Middleware(ObserveMiddleware)]
    if settings.forwarded_allow_ips:
        # Outermost: everything inside (sign-in limits, the referral guard's network, logs) sees the
        # client the trusted proxy names; from anyone else X-Forwarded-* is ignored.
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        middleware.insert(0, Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.forwarded_allow_ips)))
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=[
                    "authorization",
                    "content-type",
                    "x-request-id",
                    *(h.lower() for h in PREFLIGHT_HEADERS),
                ],
            )
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan, debug=settings.debug)
    app.state.settings = settings
    app.state.graphql = graphql
    return app


def _extra_routes(settings: Settings) -> list[Any]:
    """Routes other packages contribute (e.g. `/media/...`, share links `/s/...`)."""
    from api.domain.growth.share import routes as share_routes
    from api.domain.mail.unsubscribe import routes as unsubscribe_routes
    from api.graphiql import routes as graphiql_routes
    from api.http.calendar import routes as calendar_routes
    from media.serving import routes as media_routes

    return [
        *media_routes(),
        *metrics.routes(),
        *graphiql_routes(),
        *unsubscribe_routes(),
        *share_routes(),
        *calendar_routes(),
    ]
