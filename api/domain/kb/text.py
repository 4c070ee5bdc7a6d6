"""Validation of knowledge-base text fields, with limits from settings."""

from __future__ import annotations

import re
import unicodedata

from api.errors import DomainError, Invalid
from api.settings import Settings

_SLUG_STRIP = re.compile(r"[^\w]+", re.UNICODE)
MAX_SLUG = 80


def check_title(title: str, settings: Settings, errors: list[DomainError], field: str = "title") -> str:
    title = " ".join(title.split())
    if not title:
        errors.append(Invalid("Enter a title.", field=field))
    elif len(title) > settings.max_title_length:
        errors.append(Invalid(f"Use at most {settings.max_title_length} characters.", field=field))
    return title


def check_body(body: str, settings: Settings, errors: list[DomainError], field: str = "body") -> str:
    if not body.strip():
        errors.append(Invalid("Write the text.", field=field))
    elif len(body) > settings.max_body_length:
        errors.append(Invalid(f"Use at most {settings.max_body_length} characters.", field=field))
    return body


def check_summary(summary: str, settings: Settings, errors: list[DomainError], field: str = "summary") -> str:
    summary = summary.strip()
    if len(summary) > settings.kb_max_summary_length:
        errors.append(Invalid(f"Use at most {settings.kb_max_summary_length} characters.", field=field))
    return summary


def check_tags(tags: list[str], settings: Settings, errors: list[DomainError], field: str = "tags") -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(t.split()).lower() for t in tags if t.strip()))
    if len(cleaned) > settings.kb_max_tags:
        errors.append(Invalid(f"Use at most {settings.kb_max_tags} tags.", field=field))
    if any(len(t) > settings.kb_max_tag_length for t in cleaned):
        errors.append(Invalid(f"Tags have at most {settings.kb_max_tag_length} characters.", field=field))
    return cleaned


def check_message(message: str, settings: Settings, errors: list[DomainError], field: str = "message") -> str:
    message = " ".join(message.split())
    if len(message) > settings.kb_max_message_length:
        errors.append(Invalid(f"Use at most {settings.kb_max_message_length} characters.", field=field))
    return message


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
