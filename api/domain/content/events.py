"""Events and questions about member content, shared by every domain that holds some."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
class ContentFlagged(Event):
    """Member content was published but needs a moderator's look (a watched word flagged it)."""

    name = "content.flagged"
    content_type: str
    content_id: int
    author_id: int | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submission:
    """Member-written text on its way into a domain (see `api.domain.content.gate`).

    `texts` maps input field names (camelCase, as errors name them) to the texts written;
    `holdable` says whether the content can wait unpublished for a moderator (topics, posts);
    `to_staff` marks text addressed to the operators (feedback), which muted and not yet admitted
    members may still send."""

    author: Any  # User
    content_type: str
    texts: Mapping[str, str]
    editing: bool = False
    space_id: int | None = None
    recipients: tuple[int, ...] = ()
    holdable: bool = False
    to_staff: bool = False
    links: int = 0
    images: int = 0
    mentions: int = 0


@dataclass(frozen=True)
class Screened:
    """What screening found: reasons to hold, reasons to flag, and censored texts by field."""

    held: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    censored: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MayPost(Question[None]):
    """May this member post at all (in this space)? The decider raises when not."""

    author: Any  # User
    space_id: int | None = None


@dataclass(frozen=True)
class ScreenText(Question[Screened]):
    """Watched words and review rules over a submission; raises for refused (blocked) words."""

    default: ClassVar[Any] = Screened()
    submission: Submission


@dataclass(frozen=True)
class WithinLimits(Question[None]):
    """Trust-level limits of a submission (links, images, mentions, per-day counts, who may be
    messaged); the decider raises when one is passed."""

    submission: Submission


@dataclass(frozen=True)
class ContentHidden(Event):
    """Member content was hidden by moderation (a decision, or reports whose weight reached the
    threshold). What it earned its author is taken back until it is restored."""

    name = "content.hidden"
    content_type: str
    content_id: int
    author_id: int | None


@dataclass(frozen=True)
class ContentRestored(Event):
    """Hidden member content is shown again: what it earned comes back."""

    name = "content.restored"
    content_type: str
    content_id: int
    author_id: int | None


@dataclass(frozen=True)
class ContentRemoved(Event):
    """Member content was deleted (by its author or by moderation): what it earned is taken back."""

    name = "content.removed"
    content_type: str
    content_id: int
    author_id: int | None
