"""The content gate: every member-written text passes here, on creation and on edit, whatever
domain stores it (topics, posts, articles, resources, messages, polls, surveys, events,
proposals, profiles, feedback): Discourse's "post creator" path, for every kind of content.

    verdict = await gate.check(Submission(author=actor, content_type="Topic",
                                          texts={"title": title, "body": body}, holdable=True, ...), settings)
    topic = await Topic.create(..., body_html=render(verdict.text("body", body)), held=verdict.held)
    await gate.announce(verdict, "Topic", topic.id, actor.id)

In order: sanctions (muted and banned members are refused), admission and rules acceptance
(`MayPost`, answered by moderation), trust-level limits (`WithinLimits`, answered by the trust
domain), watched words and first-post review (`ScreenText`, moderation). Staff pass admission and
limits. A refusal raises a `DomainError` naming the field; otherwise the verdict says whether to
hold the content (only content that `holdable` allows to wait; other content is refused instead),
which flags to raise, and the censored texts to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, TypedDict

from api.domain.content.events import (
    ContentFlagged,
    ContentHeld,
    MayPost,
    Screened,
    ScreenText,
    Submission,
    WithinLimits,
)
from api.errors import Forbidden
from api.events import decide, emit
from api.markdown import MENTION_RE
from api.policies import is_staff, require_can_act
from api.settings import Settings
from api.text import URL_RE

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")


@dataclass(frozen=True)
class Verdict:
    held: str | None = None  # why the content waits for a moderator (None: publish)
    flags: tuple[str, ...] = ()
    censored: dict[str, str] = field(default_factory=dict)

    def text(self, name: str, written: str) -> str:
        """The text to show for field `name`: censored when a watched word says so."""
        return self.censored.get(name, written)


class Measures(TypedDict):
    """What trust-level limits count in a body; keyword arguments of `Submission`."""

    links: int
    images: int
    mentions: int


def measure(body: str) -> Measures:
    """Links, images and mentions in a Markdown body (what trust-level limits count)."""
    images = len(_IMAGE.findall(body))
    return {
        "links": len(URL_RE.findall(_IMAGE.sub(" ", body))),
        "images": images,
        "mentions": len(set(MENTION_RE.findall(body))),
    }


async def check(submission: Submission, settings: Settings) -> Verdict:
    """Admit, limit and screen a submission (see the module's docstring)."""
    author = submission.author
    if not submission.to_staff:
        await require_can_act(author)
    if not is_staff(author) and not submission.to_staff:
        await decide(MayPost(author=author, space_id=submission.space_id), settings)
        await decide(WithinLimits(submission=submission), settings)
    screened: Screened = await decide(ScreenText(submission=submission), settings)
    held = " ".join(screened.held) or None
    if held and not submission.holdable:
        first = next(iter(submission.texts), None)
        raise Forbidden(
            f"{held} This needs a moderator's approval, which a {submission.content_type.lower()} "
            "cannot wait for: change the text.",
            field=first,
        )
    return Verdict(held=held, flags=tuple(screened.flags), censored=dict(screened.censored))


async def may_take_part(actor: Any, settings: Settings, *, space_id: int | None = None) -> Any:
    """For acts without text that still take part (reactions, votes, check-ins): the member is
    neither muted nor banned, and (unless staff) admitted and bound by the current rules."""
    member = await require_can_act(actor)
    if not is_staff(member):
        await decide(MayPost(author=member, space_id=space_id), settings)
    return member


async def announce(verdict: Verdict, content_type: str, content_id: int, author_id: int | None) -> None:
    """After the content is stored (in its transaction): queue it for review when held or flagged."""
    if verdict.held:
        await emit(
            ContentHeld(content_type=content_type, content_id=content_id, author_id=author_id, reason=verdict.held)
        )
    if verdict.flags:
        await emit(
            ContentFlagged(content_type=content_type, content_id=content_id, author_id=author_id, reasons=verdict.flags)
        )
