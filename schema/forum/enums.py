"""GraphQL enums of the forum."""

from __future__ import annotations

from enum import Enum

import strawberry

from api.models import forum as models
from schema.enums import described_enum

PostingPolicy = models.PostingPolicy
described_enum(
    PostingPolicy,
    name="PostingPolicy",
    description="Who may start topics in a space.",
    values={
        "ANYONE": "Every member who can see the space.",
        "MODERATORS_ONLY": "Moderators and admins start topics; members reply.",
    },
)
TopicKind = models.TopicKind
described_enum(
    TopicKind,
    name="TopicKind",
    description="Discussion or question.",
    values={
        "DISCUSSION": "A discussion: replies in order.",
        "QUESTION": "A question: answers take votes and one may be accepted.",
    },
)
ContentStatus = models.ContentStatus
described_enum(
    ContentStatus,
    name="ContentStatus",
    description="Lifecycle of a topic or post.",
    values={
        "PUBLISHED": "Visible to everyone who may see its space.",
        "HELD": "Waiting for moderation; only the author and staff see it.",
        "HIDDEN": "Hidden by a moderator; its place stays, without its body.",
        "DELETED": "Deleted; its place stays, without its body.",
    },
)
SubscriptionLevel = models.SubscriptionLevel
described_enum(
    SubscriptionLevel,
    name="TopicSubscriptionLevel",
    description="How a member follows a topic or a whole space.",
    values={
        "WATCH": "Notified of every reply (and, for a space, of every new topic).",
        "MUTE": "Never notified of replies (mentions still notify).",
    },
)


@strawberry.enum(description="Order of a topic list.")
class TopicOrder(Enum):
    HOT = strawberry.enum_value("HOT", description="Recent activity and reactions, with time decay.")
    NEW = strawberry.enum_value("NEW", description="Newest first.")
    TOP = strawberry.enum_value("TOP", description="Highest score, then most reactions and replies.")
    UNANSWERED = strawberry.enum_value("UNANSWERED", description="Topics without replies, newest first.")


@strawberry.enum(description="A vote on a question or an answer.")
class VoteValue(Enum):
    UP = strawberry.enum_value(1, description="Useful.")
    DOWN = strawberry.enum_value(-1, description="Not useful (needs REPUTATION_TO_DOWNVOTE).")
    NONE = strawberry.enum_value(0, description="No vote (withdraws one).")


@strawberry.enum(description="What happened to a topic, in `topicActivity`.")
class TopicAction(Enum):
    CREATED = strawberry.enum_value("CREATED", description="The topic was published.")
    REPLIED = strawberry.enum_value("REPLIED", description="A reply was published.")
    UPDATED = strawberry.enum_value("UPDATED", description="Pinned, locked, accepted answer or restored.")
    MOVED_IN = strawberry.enum_value("MOVED_IN", description="Moved into this space.")
    MOVED_OUT = strawberry.enum_value("MOVED_OUT", description="Moved out of this space.")
    HIDDEN = strawberry.enum_value("HIDDEN", description="Hidden by a moderator.")
    DELETED = strawberry.enum_value("DELETED", description="Deleted.")
