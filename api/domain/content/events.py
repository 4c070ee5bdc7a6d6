"""Events and questions about member content, shared by every domain that holds some."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from api.events import Event, Question


@dataclass(frozen=True)
class ContentHeld(Event):
    """Member content was stored unpublished, waiting for a moderator."""

    name = "content.held"
    content_type: str
    content_id: int
    author_id: int | None
    reason: str = ""


@dataclass(frozen=True)
class ReviewContent(Question[str]):
    """Asked before member content is published: "publish" or "hold"; the decider raises a
    `DomainError` when the author may not post at all yet (rules not accepted, not admitted)."""

    default: ClassVar[Any] = "publish"
    author: Any  # User | None
    content_type: str
    text: str
    space_id: int | None = None
