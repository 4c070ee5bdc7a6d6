"""HTTP routes of the iCalendar feeds (`api.domain.engagement.calendar`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.domain.engagement import calendar

ICS = "text/calendar; charset=utf-8"


async def public_events(request: Request) -> Response:
    return Response(await calendar.public_feed(), media_type=ICS)


async def member_events(request: Request) -> Response:
    user_id, token = request.path_params["user_id"], request.path_params["token"]
    body = await calendar.member_feed(request.app.state.settings, user_id, token)
    if body is None:
        return PlainTextResponse("Not found.", status_code=404)
    return Response(body, media_type=ICS, headers={"cache-control": "private, no-store"})


def routes() -> list[Route]:
    return [
        Route("/calendar/events.ics", public_events, methods=["GET"]),
        Route("/calendar/members/{user_id:int}/{token}.ics", member_events, methods=["GET"]),
    ]
