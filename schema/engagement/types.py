"""Object types of the engagement domain, by part; `User.title` resolves `Title` from here.
Related objects load through DataLoaders."""

from __future__ import annotations

from schema.engagement.event_types import CommunityEvent, EventRsvp, Lottery, LotteryWinner
from schema.engagement.feedback_types import FeedbackReply, FeedbackTicket
from schema.engagement.incentive_types import (
    Badge,
    BadgeAward,
    CheckIn,
    LeaderboardEntry,
    PointEntry,
    Redemption,
    Reward,
    Title,
)
from schema.engagement.message_types import AutoReply, Conversation, Message

__all__ = [
    "AutoReply",
    "Badge",
    "BadgeAward",
    "CheckIn",
    "CommunityEvent",
    "Conversation",
    "EventRsvp",
    "FeedbackReply",
    "FeedbackTicket",
    "LeaderboardEntry",
    "Lottery",
    "LotteryWinner",
    "Message",
    "PointEntry",
    "Redemption",
    "Reward",
    "Title",
]
