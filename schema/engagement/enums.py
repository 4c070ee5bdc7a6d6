"""GraphQL enums of the engagement domain, each value described."""

from __future__ import annotations

from api.domain.engagement.analytics import Interval as _Interval
from api.domain.engagement.points import Period as _Period
from api.models import engagement as models
from schema.enums import described_enum

# Description of the one `input` argument of every engagement mutation.
INPUT = "What to do; see the input type."

BadgeTier = models.BadgeTier
described_enum(
    BadgeTier,
    name="BadgeTier",
    description="How hard a badge is to earn.",
    values={"BRONZE": "Easy to earn.", "SILVER": "Takes sustained effort.", "GOLD": "Rare."},
)
BadgeCriterion = models.BadgeCriterion
described_enum(
    BadgeCriterion,
    name="BadgeCriterion",
    description="What earns a badge automatically.",
    values={
        "MANUAL": "Only awarded by staff.",
        "POSTS": "Topics and replies written reach the threshold.",
        "ANSWERS": "Answers written reach the threshold.",
        "ACCEPTED_ANSWERS": "Answers accepted reach the threshold.",
        "REACTIONS_RECEIVED": "Reactions received from others reach the threshold.",
        "CHECK_IN_STREAK": "A daily check-in streak reaches the threshold (days).",
        "EVENTS_ATTENDED": "Community events attended reach the threshold.",
        "EVENT": "The member caused the domain event `eventName` (see docs/events.md) threshold times.",
    },
)
RedemptionStatus = models.RedemptionStatus
described_enum(
    RedemptionStatus,
    name="RedemptionStatus",
    description="Where a redemption stands.",
    values={
        "PENDING": "Points spent; waiting for staff to deliver.",
        "FULFILLED": "Delivered by staff.",
        "REFUNDED": "Cancelled by staff; the points were credited back.",
    },
)
RsvpStatus = models.RsvpStatus
described_enum(
    RsvpStatus,
    name="RsvpStatus",
    description="A member's sign-up to an event.",
    values={
        "GOING": "Has a place.",
        "WAITLISTED": "Waiting for a place; promoted in order when one frees.",
        "CANCELLED": "Withdrew.",
    },
)
EventVisibility = models.EventVisibility
described_enum(
    EventVisibility,
    name="EventVisibility",
    description="Who sees an event.",
    values={
        "PUBLIC": "Everyone, anonymous visitors included.",
        "MEMBERS": "Signed-in members.",
        "COMMITTEE": "The members of the event's committee (and staff).",
        "TIER": "Members holding the tier `minTierId` or a higher-ranked one (and staff).",
    },
)
LotteryStatus = models.LotteryStatus
described_enum(
    LotteryStatus,
    name="LotteryStatus",
    description="Where a lottery stands.",
    values={
        "OPEN": "Entrants gather; nothing is committed yet.",
        "FROZEN": "The entrant list is fixed and public, and the commitment to it and the seed is published.",
        "DRAWN": "Drawn: the seed and the winners are public.",
        "CANCELLED": "Cancelled before the draw (paid entries given back).",
    },
)
EligibleSet = models.EligibleSet
described_enum(
    EligibleSet,
    name="EligibleSet",
    description="Who may win a lottery.",
    values={
        "EVENT_ATTENDEES": "Members who checked in at an event.",
        "CHECK_IN_STREAK": "Members whose live daily check-in streak is at least `minStreak` days.",
        "SURVEY_RESPONDENTS": "Members who answered a survey.",
        "LIST": "A hand-made list of members.",
    },
)
FeedbackCategory = models.FeedbackCategory
described_enum(
    FeedbackCategory,
    name="FeedbackCategory",
    description="Kind of feedback.",
    values={
        "SUGGESTION": "An idea to improve the community.",
        "COMPLAINT": "A complaint about a member, content or a decision.",
        "BUG": "Something does not work.",
        "QUESTION": "A question for the operators.",
        "OTHER": "Anything else.",
    },
)
TicketStatus = models.TicketStatus
described_enum(
    TicketStatus,
    name="TicketStatus",
    description="Where a feedback ticket stands.",
    values={
        "OPEN": "Filed, not yet taken up.",
        "IN_PROGRESS": "Staff are on it.",
        "RESOLVED": "Done.",
        "REJECTED": "Declined.",
    },
)
LeaderboardPeriod = _Period
described_enum(
    LeaderboardPeriod,
    name="LeaderboardPeriod",
    description="The span of a points leaderboard.",
    values={
        "WEEK": "This week (from Monday, community time).",
        "MONTH": "This calendar month.",
        "ALL_TIME": "Since the beginning.",
    },
)
StatsInterval = _Interval
described_enum(
    StatsInterval,
    name="StatsInterval",
    description="Size of each bucket of community statistics.",
    values={"DAY": "One community day.", "WEEK": "A Monday-to-Sunday week.", "MONTH": "A calendar month."},
)
