"""Shared validation of the free texts of moderation (notes, reasons, messages)."""

from __future__ import annotations

from api import text
from api.settings import Settings


def note(value: str | None, field: str, *, required: bool = False, label: str = "a reason", settings: Settings) -> str:
    """A stripped note within MODERATION_MAX_NOTE_LENGTH; Invalid when required and empty."""
    return text.block(value, field, settings.moderation_max_note_length, required=required, what=label)
