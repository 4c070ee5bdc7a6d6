"""Validation of knowledge-base text fields, with limits from settings."""

from __future__ import annotations

import re
import unicodedata

from api import text
from api.errors import DomainError
from api.settings import Settings

_SLUG_STRIP = re.compile(r"[^\w]+", re.UNICODE)
MAX_SLUG = 80


def check_title(title: str, settings: Settings, errors: list[DomainError], field: str = "title") -> str:
    return text.line(title, field, settings.max_title_length, what="a title", errors=errors)


def check_body(body: str, settings: Settings, errors: list[DomainError], field: str = "body") -> str:
    return text.block(body, field, settings.max_body_length, errors=errors)


def check_summary(summary: str, settings: Settings, errors: list[DomainError], field: str = "summary") -> str:
    return text.block(summary, field, settings.kb_max_summary_length, required=False, errors=errors)


def check_tags(tags: list[str], settings: Settings, errors: list[DomainError], field: str = "tags") -> list[str]:
    return text.tags(tags, field, max_count=settings.kb_max_tags, max_length=settings.kb_max_tag_length, errors=errors)


def check_message(message: str, settings: Settings, errors: list[DomainError], field: str = "message") -> str:
    return text.line(message, field, settings.kb_max_message_length, required=False, errors=errors)


def slugify(text: str) -> str:
    """A URL-safe slug that keeps letters of every script (Chinese titles stay readable)."""
    text = unicodedata.normalize("NFKC", text).lower()
    slug = _SLUG_STRIP.sub("-", text).replace("_", "-").strip("-")
    return re.sub(r"-{2,}", "-", slug)[:MAX_SLUG].strip("-")


def roles_field(roles: list[str]) -> str:
    """`allowed_roles` as stored: ",MODERATOR,ADMIN," (see `api.models.kb.Article`)."""
    from api.models.accounts import Role

    valid = [Role(r).value for r in dict.fromkeys(roles)]
    return f",{','.join(valid)}," if valid else ""


def roles_list(stored: str) -> list[str]:
    return [r for r in stored.split(",") if r]
