"""Share cards: the `og` field of public topics, articles and events."""

from __future__ import annotations

from typing import Any

import strawberry

from api.domain.growth.share import card_for
from schema.context import Info


@strawberry.type(
    description="Open Graph card of a public thing: what chat apps show when its share link "
    "(`/s/<global id>`) is pasted."
)
class OpenGraph:
    title: str = strawberry.field(description="og:title.")
    description: str = strawberry.field(description="og:description (plain text, at most 200 characters).")
    image_url: str | None = strawberry.field(description="og:image (SHARE_IMAGE_URL), if set.")
    share_path: str = strawberry.field(description="Path of the share link on this server: /s/<global id>.")


async def og_of(info: Info, row: Any, kind: str) -> OpenGraph | None:
    card = await card_for(row, kind, info.context.settings)
    if card is None:
        return None
    return OpenGraph(
        title=card.title, description=card.description, image_url=card.image_url, share_path=f"/s/{card.global_id}"
    )
