"""Validation and rendering of forum text: titles, Markdown bodies, tags, mentions."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from api.errors import DomainError, Invalid
from api.markdown import extract_mentions, render_async
from api.models.accounts import User
from api.settings import Settings


def check_title(title: str, settings: Settings, errors: list[DomainError], field_name: str = "title") -> str:
    title = title.strip()
    if not title:
        errors.append(Invalid("Enter a title.", field=field_name))
    elif len(title) > settings.max_title_length:
        errors.append(Invalid(f"Use at most {settings.max_title_length} characters.", field=field_name))
    return title


def check_body(body: str, settings: Settings, errors: list[DomainError], field_name: str = "body") -> str:
    if not body.strip():
        errors.append(Invalid("Write something.", field=field_name))
    elif len(body) > settings.max_body_length:
        errors.append(Invalid(f"Use at most {settings.max_body_length} characters.", field=field_name))
    return body


def check_tags(tags: list[str], settings: Settings, errors: list[DomainError]) -> list[str]:
    """Tags lower-cased, trimmed and without repeats."""
    names = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    if len(names) > settings.forum_max_tags:
        errors.append(Invalid(f"Use at most {settings.forum_max_tags} tags.", field="tags"))
    elif any(len(n) > settings.forum_max_tag_length or "," in n for n in names):
        errors.append(Invalid(
            f"Tags have at most {settings.forum_max_tag_length} characters and no commas.", field="tags"))
    return names


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
