"""Validation and rendering of forum text: titles, Markdown bodies, tags, mentions."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from api import text
from api.errors import DomainError
from api.markdown import extract_mentions, render_async
from api.models.accounts import User
from api.settings import Settings


def check_title(title: str, settings: Settings, errors: list[DomainError], field_name: str = "title") -> str:
    return text.line(title, field_name, settings.max_title_length, what="a title", errors=errors)


def check_body(body: str, settings: Settings, errors: list[DomainError], field_name: str = "body") -> str:
    return text.block(body, field_name, settings.max_body_length, what="something", errors=errors)


def check_tags(tags: list[str], settings: Settings, errors: list[DomainError]) -> list[str]:
    return text.tags(
        tags, "tags", max_count=settings.forum_max_tags, max_length=settings.forum_max_tag_length, errors=errors
    )


def mention_url(username: str) -> str:
    return f"/members/{quote(username)}"


@dataclass
class Rendered:
    html: str
    mentioned: list[User] = field(default_factory=list)  # existing members mentioned


async def render_body(body: str) -> Rendered:
    """Sanitized HTML of a Markdown body; `@name` of existing members become links."""
    names = extract_mentions(body)
    users = await User.filter(username_key__in=[n.casefold() for n in names]) if names else []
    return Rendered(
        html=await render_async(body, mentions=[u.username for u in users], mention_url=mention_url),
        mentioned=list(users),
    )
