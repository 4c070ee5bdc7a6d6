"""In-process domain events and decision hooks, so domains react to each other without
importing each other (engagement awards points on forum events; moderation holds content).

Events (`emit`) are announcements after the fact: handlers run in order, a failing handler is
logged and never fails the write that emitted it. Emit after the write's transaction commits.

Catalogue (name: keyword arguments):
- `member.registered`: user_id
- `forum.topic_created`: topic_id, author_id, space_id
- `forum.post_created`: post_id, topic_id, author_id
- `forum.reaction_added`: subject_type, subject_id, author_id (of the content), actor_id, reaction
- `qa.answer_created`: answer_id, question_id, author_id
- `qa.vote_cast`: subject_type, subject_id, author_id, voter_id, value
- `qa.answer_accepted`: answer_id, question_id, author_id, accepted_by
- `kb.article_published`: article_id, actor_id (first publication or re-publication)
Domains add their own names here when they emit new ones.

Decision hooks (`decide`) ask registered deciders a question before a write, e.g.
`content.review` -> "publish" | "hold": moderation registers the decider; without one, the
default answer is used. Moderation's deciders:
- `content.review`: author, content_type, text, and space_id (optional: pass it so a space's
  join policy applies); raises `Forbidden` when the author may not post yet (rules not
  accepted, membership not approved).
- `member.admit`: user, invite_code, sign_up; runs inside `register`'s transaction.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[Any]]

_handlers: dict[str, list[Handler]] = defaultdict(list)
_deciders: dict[str, Handler] = {}


def on(event: str) -> Callable[[Handler], Handler]:
    """Register a handler for `event` (decorator)."""

    def register(handler: Handler) -> Handler:
        if handler not in _handlers[event]:
            _handlers[event].append(handler)
        return handler

    return register


async def emit(event: str, **data: Any) -> None:
    import api.wiring  # noqa: F401 - make sure every domain's handlers are registered

    for handler in list(_handlers.get(event, ())):
        try:
            await handler(**data)
        except Exception:  # noqa: BLE001 - reactions must not fail the write that caused them
            log.exception("handler %s of %s failed", getattr(handler, "__qualname__", handler), event)


def decider(question: str) -> Callable[[Handler], Handler]:
    """Register the one decider of `question` (decorator)."""

    def register(handler: Handler) -> Handler:
        _deciders[question] = handler
        return handler

    return register


async def decide(question: str, default: Any, **data: Any) -> Any:
    """Ask the decider of `question`; `default` when none is registered. Errors propagate:
    a decision that cannot be made must not be silently skipped."""
    import api.wiring  # noqa: F401

    handler = _deciders.get(question)
    return default if handler is None else await handler(**data)
