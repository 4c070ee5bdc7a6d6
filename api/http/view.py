"""/graphql over HTTP as the GraphQL over HTTP specification describes it, on top of
strawberry's ASGI view (`GraphQLOverHTTP` is mixed into `api.app.GuildhallGraphQL`).

- Media types: `application/graphql-response+json` when the client accepts it (by q-value;
  Apollo Client 4 and graphql-http ask for it), else `application/json`, unchanged for older
  clients (and for requests without Accept, or with only */*). 406 when neither is acceptable.
- Status codes under application/graphql-response+json: 400 and no `data` entry when the
  document cannot run (parse, validation or variable coercion errors; see `schema.observe`),
  500 when the server failed before executing, 200 otherwise (field errors included).
  Under application/json every GraphQL result stays 200, as before.
- GET runs queries only: a mutation sent with GET is 405 with `Allow: POST`. Anonymous GET
  results are cacheable for PUBLIC_CACHE_SECONDS (Cache-Control public), so a CDN may serve
  hash-only persisted queries (`api.http.persisted`).
- Request errors that strawberry raises (bad JSON, no query...) keep their status and get a
  JSON `errors` body under graphql-response+json (plain text under application/json, as before).
- Persisted queries (`api.http.persisted`) are resolved for HTTP and WebSocket operations alike.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types.unset import UNSET

from api import metrics
from api.http.persisted import PersistedQueries, PersistedQueryError
from api.request_info import RequestInfo, current

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
CONTENT_TYPES = {GRAPHQL_RESPONSE_JSON: f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8", JSON: JSON}

# The media type chosen for the current request, and the APQ hash to remember once it ran.
_media_type: contextvars.ContextVar[str] = contextvars.ContextVar("graphql_media_type", default=JSON)
_apq_pending: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("apq_pending", default=None)


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when none of ours is acceptable."""
    if not accept or not accept.strip():
        return JSON
    best_rank: tuple[float, int, int] | None = None
    best_media = None
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE_JSON:
            chosen = GRAPHQL_RESPONSE_JSON
        elif media in (JSON, "application/*", "*/*"):
            chosen = JSON
        else:
            continue
        # Highest q wins; on a tie the explicit graphql-response+json, then the earlier entry.
        rank = (quality, 1 if chosen == GRAPHQL_RESPONSE_JSON else 0, -position)
        if best_rank is None or rank > best_rank:
            best_rank, best_media = rank, chosen
    return best_media


def _error_body(message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code:
        error["extensions"] = {"code": code}
    return {"errors": [error]}


async def _resolve_ws(view: Any, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, PersistedQueryError | None]:
    """A WebSocket operation's payload with its document resolved like an HTTP request's (a
    persisted query by hash; with PERSISTED_QUERIES_ONLY, registered documents only)."""
    try:
        query, _ = await view.persisted_queries().resolve(payload.get("query"), payload.get("extensions"))
    except PersistedQueryError as error:
        return None, error
    return {**payload, "query": query}, None


class TransportWS(BaseGraphQLTransportWSHandler[Any, None]):
    """graphql-transport-ws: persisted queries, and events delivered counted."""

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and isinstance(message.get("payload"), dict):
            payload, error = await _resolve_ws(self.view, message["payload"])
            if error is not None:
                await self.send_message(
                    {
                        "id": message["id"],
                        "type": "error",
                        "payload": [_error_body(error.message, error.code)["errors"][0]],
                    }
                )
                return
            message = {**message, "payload": payload}
        await super().handle_subscribe(message)

    async def send_message(self, message: Any) -> None:
        await super().send_message(message)
        if message.get("type") == "next":
            metrics.subscription_event_delivered()


class GraphQLOverHTTP:
    """Mixin for `strawberry.asgi.GraphQL` (listed before it). Needs `self.runtime`."""

    graphql_transport_ws_handler_class = TransportWS
    runtime: Any
    # Provided by `strawberry.asgi.GraphQL`.
    request_adapter_class: Any
    should_render_graphql_ide: Callable[[Any], bool]

    def encode_json(self, data: object) -> str:
        """Response bodies (HTTP and WebSocket frames) with orjson: several times faster than the
        standard library's encoder on long pages, the same JSON apart from non-ASCII text sent as
        UTF-8 rather than `\\u` escapes. Text, not bytes: graphql-transport-ws frames must be text."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:  # orjson.JSONEncodeError: what only the standard encoder writes (an int past 64 bits...)
            return json.dumps(data, separators=(",", ":"))

    def persisted_queries(self) -> PersistedQueries:
        runtime = self.runtime
        found = getattr(runtime, "_persisted_queries", None)
        if found is None:
            found = PersistedQueries(runtime.settings, runtime.redis)
            runtime._persisted_queries = found
        return found

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if request.scope["type"] != "http" or self.should_render_graphql_ide(self.request_adapter_class(request)):
            return await super().run(request, context, root_value)  # type: ignore[misc]  # mixin: strawberry's GraphQL follows it in the MRO
        media_type = negotiate(request.headers.get("accept"))
        info = current()
        if media_type is None:
            return PlainTextResponse(
                f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}.",
                status_code=406,
                headers={"Vary": "Accept"},
            )
        _media_type.set(media_type)
        _apq_pending.set(None)
        try:
            return await super().run(request, context, root_value)  # type: ignore[misc]  # mixin: strawberry's GraphQL follows it in the MRO
        except PersistedQueryError as error:
            if info is not None:
                info.request_error = True
                info.error_codes.append(error.code)
            status = error.status
            if media_type == JSON and error.code in ("PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED"):
                status = 200  # what Apollo Server answers; its clients then send the document
            return JSONResponse(
                _error_body(error.message, error.code),
                status_code=status,
                media_type=CONTENT_TYPES[media_type],
                headers={"Cache-Control": "private, no-cache, must-revalidate"},
            )
        except HTTPException as error:
            headers = dict(getattr(error, "headers", None) or {})
            if media_type == GRAPHQL_RESPONSE_JSON:
                return JSONResponse(
                    _error_body(error.reason),
                    status_code=error.status_code,
                    media_type=CONTENT_TYPES[media_type],
                    headers=headers,
                )
            return PlainTextResponse(error.reason, status_code=error.status_code, headers=headers)

    async def parse_http_body(self, request: Any) -> Any:
        data = await super().parse_http_body(request)  # type: ignore[misc]  # mixin: strawberry's GraphQL follows it in the MRO
        if isinstance(data, list):
            return data  # batches are refused by strawberry (batching is off)
        query, remember = await self.persisted_queries().resolve(data.query, data.extensions)
        data.query = query
        if remember is not None and query is not None:
            _apq_pending.set((remember, query))
        return data

    async def execute_single(
        self, request: Any, request_adapter: Any, sub_response: Any, context: Any, root_value: Any, request_data: Any
    ) -> Any:
        try:
            result = await super().execute_single(  # type: ignore[misc]  # mixin: strawberry's GraphQL follows it in the MRO
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as error:
            if request_adapter.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError):
                refused = HTTPException(405, "Only queries may be sent with GET; send mutations with POST.")
                refused.headers = {"Allow": "POST"}  # type: ignore[attr-defined]  # read by Starlette's error handling, not declared by cross_web
                raise refused from error
            raise
        pending = _apq_pending.get()
        info = current()
        if pending is not None and info is not None and not info.request_error:
            await self.persisted_queries().remember(*pending)  # it parsed and validated: keep it
        return result

    def create_response(self, response_data: Any, sub_response: Any) -> Response:
        media_type = _media_type.get()
        info = current()
        status = None
        if info is not None and info.internal_error and isinstance(response_data, dict):
            response_data["errors"] = _masked(response_data.get("errors") or [], self.runtime.settings)
        if media_type == GRAPHQL_RESPONSE_JSON and isinstance(response_data, dict):
            status = _spec_status(response_data, info)
            if status >= 400:
                response_data.pop("data", None)
        response: Response = super().create_response(response_data, sub_response)  # type: ignore[misc]  # mixin: strawberry's GraphQL follows it in the MRO
        response.headers["content-type"] = CONTENT_TYPES[media_type]
        if status is not None and not sub_response.status_code:
            response.status_code = status
        if info is not None and info.method == "GET":
            response.headers["Vary"] = "Accept, Authorization"
            response.headers.setdefault("Cache-Control", _get_cache_control(self.runtime.settings, response_data, info))
        return response

    async def render_graphql_ide(self, request: Any) -> Response:
        from api.graphiql import page

        return page(request)


def _masked(errors: list[Any], settings: Any) -> list[Any]:
    if settings.debug:
        return errors
    return [e if "path" in e else {"message": "Internal server error."} for e in errors]


def _spec_status(response_data: dict[str, Any], info: RequestInfo | None) -> int:
    errors = response_data.get("errors") or []
    if info is not None and info.request_error:
        return 400
    if errors and response_data.get("data") is None and all("path" not in e for e in errors):
        return 500  # failed before anything ran, and not for anything the client sent
    return 200


def _get_cache_control(settings: Any, response_data: Any, info: RequestInfo) -> str:
    anonymous = info.viewer_id is None
    clean = isinstance(response_data, dict) and not response_data.get("errors")
    if anonymous and clean and settings.public_cache_seconds > 0:
        return f"public, max-age={settings.public_cache_seconds}"
    return "private, no-store" if not anonymous else "no-cache"
