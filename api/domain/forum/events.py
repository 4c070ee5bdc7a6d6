"""What the forum and Q&A announce after a committed write (see `api.events`)."""

from __future__ import annotations

from dataclasses import dataclass

from api.events import Event
from api.registry import History


@dataclass(frozen=True)
class TopicCreated(Event):
    """A topic was published (created unheld, or approved by a moderator)."""

    name = "forum.topic_created"
    topic_id: int
    author_id: int | None
    space_id: int


@dataclass(frozen=True)
class PostCreated(Event):
    """A reply to a discussion was published."""

    name = "forum.post_created"
    post_id: int
    topic_id: int
    author_id: int | None


@dataclass(frozen=True)
class AnswerCreated(Event):
    """An answer to a question was published."""

    name = "qa.answer_created"
    answer_id: int
    question_id: int
    author_id: int | None


@dataclass(frozen=True)
class ReactionAdded(Event):
    """A member reacted to a topic or post (`author_id` is the content's author)."""

    name = "forum.reaction_added"
    subject_type: str
    subject_id: int
    author_id: int | None
    actor_id: int
    reaction: str


@dataclass(frozen=True)
class VoteCast(Event):
    """A member voted on a question or answer (value +1, -1, or 0 when withdrawn)."""

    name = "qa.vote_cast"
    public = True
    subject_type: str
    subject_id: int
    author_id: int | None
    voter_id: int
    value: int


@dataclass(frozen=True)
class AnswerAccepted(Event):
    """The asker (or staff) accepted an answer."""

    name = "qa.answer_accepted"
    answer_id: int
    question_id: int
    author_id: int | None
    accepted_by: int | None


ALL = (TopicCreated, PostCreated, AnswerCreated, ReactionAdded, VoteCast, AnswerAccepted)


# What the forum's events counted for EVENT badges were, for what still stands (`api.registry.History`):
# published, not hidden, not deleted; each row names the member the event is counted for.
_REPLIES = (
    "SELECT p.author_id AS user_id FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id "
    "WHERE p.author_id IS NOT NULL AND NOT p.held AND NOT p.hidden AND p.deleted_at IS NULL "
)
HISTORIES = (
    History(
        TopicCreated,
        "SELECT author_id AS user_id FROM forum_topics "
        "WHERE author_id IS NOT NULL AND NOT held AND NOT hidden AND deleted_at IS NULL",
    ),
    History(PostCreated, _REPLIES + "AND t.kind = 'DISCUSSION'"),
    History(AnswerCreated, _REPLIES + "AND t.kind = 'QUESTION'"),
    History(AnswerAccepted, _REPLIES + "AND t.kind = 'QUESTION' AND p.accepted"),
    History(ReactionAdded, "SELECT user_id FROM forum_reactions"),  # counted for the member who reacted
)
