"""`/unsubscribe?token=...`: RFC 8058 one-click unsubscribe, without signing in.

POST (what mail clients send for `List-Unsubscribe-Post: List-Unsubscribe=One-Click`) turns the
mail off; GET only shows a page with a button that POSTs, so link scanners that open every URL
of a message unsubscribe nobody."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.domain.mail import links
from api.domain.mail.preferences import unsubscribe


async def unsubscribe_endpoint(request: Request) -> Response:
    settings = request.app.state.settings
    token = request.query_params.get("token", "")
    found = links.read_unsubscribe_token(settings, token)
    if found is None:
        return PlainTextResponse("This unsubscribe link is not valid.", status_code=400)
    if request.method == "POST":
        user_id, scope = found
        await unsubscribe(user_id, scope)
        return PlainTextResponse("Unsubscribed." if scope == "all" else "Digest mail turned off.")
    action = html.escape(f"/unsubscribe?token={token}", quote=True)
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Unsubscribe</title>"
        f'<form method="post" action="{action}"><p>Stop mail from this community?</p>'
        '<button type="submit">Unsubscribe</button></form>'
    )


def routes() -> list[Route]:
    return [Route("/unsubscribe", unsubscribe_endpoint, methods=["GET", "POST"])]
