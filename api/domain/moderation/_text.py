"""Shared validation of the free texts of moderation (notes, reasons, messages)."""

from __future__ import annotations

from api.errors import Invalid
from api.settings import get_settings


def note(value: str | None, field: str, *, required: bool = False, label: str = "a reason") -> str:
    """A stripped note within MODERATION_MAX_NOTE_LENGTH; Invalid when required and empty."""
    text = (value or "").strip()
    limit = get_settings().moderation_max_note_length
    if required and not text:
        raise Invalid(f"Enter {label}.", field=field)
    if len(text) > limit:
        raise Invalid(f"Use at most {limit} characters.", field=field)
    return text
