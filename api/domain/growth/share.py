"""Share cards: public topics, articles and events unfurl in chat apps.

`card(kind, id)` gives the Open Graph fields of a thing anonymous visitors may read (the read
policy as seen by nobody signed in), else None; `GET /s/<global id>` serves them as a small HTML
page with Open Graph and Twitter meta tags and a redirect to the frontend (SHARE_URL_TEMPLATE).
Anything private, unknown or malformed is a 404 that does not say which.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from strawberry.relay import GlobalID

from api.markdown import plain_text_async
from api.models.engagement import Event
from api.models.forum import Topic
from api.models.kb import Article
from api.policy import can_view
from api.settings import Settings

DESCRIPTION_LENGTH = 200
KINDS = {"Topic": Topic, "Article": Article, "CommunityEvent": Event}


@dataclass(frozen=True)
class ShareCard:
    kind: str
    global_id: str
    title: str
    description: str
    image_url: str | None


async def card_for(row: Any, kind: str, settings: Settings) -> ShareCard | None:
    """The card of a loaded row, or None when anonymous visitors may not read it."""
    if not await can_view(None, row):
        return None
    if isinstance(row, Topic):
        description = await plain_text_async(row.body, DESCRIPTION_LENGTH)
    elif isinstance(row, Article):
        description = row.summary or await plain_text_async(row.body, DESCRIPTION_LENGTH)
    else:
        when = row.starts_at.strftime("%Y-%m-%d %H:%M UTC")
        where = f" · {row.location}" if row.location else ""
        description = f"{when}{where}. {await plain_text_async(row.description, DESCRIPTION_LENGTH)}".strip()
    return ShareCard(
        kind=kind,
        global_id=str(GlobalID(kind, str(row.pk))),
        title=row.title,
        description=description[:DESCRIPTION_LENGTH],
        image_url=settings.share_image_url or None,
    )


async def card(kind: str, pk: int, settings: Settings) -> ShareCard | None:
    model = KINDS.get(kind)
    row = await model.filter(pk=pk).first() if model else None
    return None if row is None else await card_for(row, kind, settings)


def page(share: ShareCard, settings: Settings) -> str:
    """The HTML of a share link: meta tags for crawlers, a redirect for people."""
    target = (
        settings.share_url_template.format(type=share.kind, id=share.global_id) if settings.share_url_template else ""
    )
    e = html.escape
    tags = [
        ("og:type", "article"),
        ("og:title", share.title),
        ("og:description", share.description),
        ("og:site_name", settings.share_site_name),
        ("twitter:card", "summary_large_image" if share.image_url else "summary"),
        ("twitter:title", share.title),
        ("twitter:description", share.description),
    ]
    if share.image_url:
        tags += [("og:image", share.image_url), ("twitter:image", share.image_url)]
    if target:
        tags.append(("og:url", target))
    meta = "\n".join(
        f'<meta {"name" if name.startswith("twitter:") else "property"}="{e(name)}" content="{e(value)}">'
        for name, value in tags
    )
    redirect = f'<meta http-equiv="refresh" content="0; url={e(target)}">' if target else ""
    link = f'<p><a href="{e(target)}">{e(share.title)}</a></p>' if target else f"<p>{e(share.title)}</p>"
    return (
        f'<!doctype html>\n<html><head><meta charset="utf-8">\n<title>{e(share.title)}</title>\n'
        f'<meta name="description" content="{e(share.description)}">\n{meta}\n{redirect}\n</head>'
        f"<body>{link}<p>{e(share.description)}</p></body></html>\n"
    )


async def share_page(request: Request) -> Response:
    from api.domain.community.settings import effective

    settings = await effective(request.app.state.settings)
    not_found = Response("Not found.", status_code=404, media_type="text/plain")
    try:
        gid = GlobalID.from_id(request.path_params["gid"])
        pk = int(gid.node_id)
    except (ValueError, TypeError):  # a malformed id is just not found
        return not_found
    share = await card(gid.type_name, pk, settings)
    if share is None:
        return not_found
    return HTMLResponse(page(share, settings), headers={"Cache-Control": "public, max-age=300"})


def routes() -> list[Route]:
    return [Route("/s/{gid}", share_page, methods=["GET"])]
