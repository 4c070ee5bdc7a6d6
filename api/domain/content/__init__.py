"""What every kind of member-written content shares, whatever domain owns it.

Moderation acts on any domain's content (topics, posts, articles, resources, messages...) through
the `ContentType`s the owning domains declare in their manifests (`content_types=`):

    ContentType(
        name="Post",                     # the GraphQL type name (as in global ids)
        load=load_posts,                 # ids -> {id: ContentRef}
        hide=hide_post, unhide=unhide_post, delete=delete_post, publish=publish_held_post,
    )

Every member-written text passes the content gate (`api.domain.content.gate`) on creation and on
edit; held content is stored unpublished and queued (`ContentHeld`), and moderation later calls the
type's `publish` (approve) or `delete` (reject).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from api.registry import registry


@dataclass(frozen=True)
class ContentRef:
    """What moderation needs to show and act on an item."""

    content_type: str
    id: int
    author_id: int | None
    title: str  # a short label (title or excerpt)
    text: str  # the body as written
    hidden: bool = False
    deleted: bool = False
    held: bool = False


Action = Callable[[int, int | None], Awaitable[None]]  # (content id, acting moderator id)
# (viewer, content id) -> whether the viewer may see the item (None when anonymous).
CanSee = Callable[[Any, int], Awaitable[bool]]


@dataclass(frozen=True)
class ContentType:
    name: str
    load: Callable[[list[int]], Awaitable[dict[int, ContentRef]]]
    hide: Action
    unhide: Action
    delete: Action
    publish: Action | None = None  # approve held content; None if the type is never held
    # Who may see an item: members may only report what they can see, so a report never
    # confirms that something hidden from them exists. None: everyone who can name it.
    can_see: CanSee | None = None
    # Ids of the items a member wrote that are not deleted (for "remove spammer"); None: none.
    authored: Callable[[int], Awaitable[list[int]]] | None = None


def content_types() -> dict[str, ContentType]:
    return registry().content_types


def get(name: str) -> ContentType | None:
    return content_types().get(name)
