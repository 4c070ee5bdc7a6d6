"""Engagement and operations: points ledger, badges, titles, rewards, check-ins, community events,
lotteries, private messages and feedback tickets."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from api.models.accounts import Committee, User
    from api.models.media import MediaFile


# --- Points -------------------------------------------------------------------------------------


class PointEntry(Model):
    """One award or deduction. Append-only: balances are sums of entries, never edited."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="point_entries", on_delete=fields.CASCADE
    )
    user_id: int
    amount = fields.IntField()
    # The rule that produced it: a key of POINTS_RULES, or grant, redemption, refund, streak_bonus.
    rule = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=500, default="")
    # The object the entry is about, as a GraphQL type name and database id.
    source_type = fields.CharField(max_length=64, default="")
    source_id = fields.IntField(null=True)
    # Makes an award idempotent (e.g. "post_created:17"): a replayed event never pays twice.
    dedupe_key = fields.CharField(max_length=128, null=True, unique=True)
    day = fields.DateField()  # community-time-zone day, for daily caps and leaderboards
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="point_entries_made", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_point_entries"
        ordering = ["-created_at", "-id"]
        indexes = (("user_id", "rule", "day"), ("day", "user_id"))


class PointAccount(Model):
    """Running totals of a member's ledger, updated in the same transaction as every entry.
    Its row is the lock that serialises spending (conditional `balance >= cost` updates)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "accounts.User", related_name="point_account", on_delete=fields.CASCADE
    )
    user_id: int
    balance = fields.IntField(default=0)
    earned = fields.IntField(default=0)  # positive awards only: the base of point levels

    class Meta:
        table = "engagement_point_accounts"


class EventCount(Model):
    """How many times a member caused a domain event that some EVENT badge counts (counted from
    the first such badge's creation; incremented by one atomic upsert)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="event_counts", on_delete=fields.CASCADE
    )
    user_id: int
    event_name = fields.CharField(max_length=64)
    count = fields.IntField(default=0)

    class Meta:
        table = "engagement_event_counts"
        unique_together = (("user", "event_name"),)


class MemberStats(Model):
    """Per-member counters that badge rules read, check-in streaks and the displayed title."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "accounts.User", related_name="engagement_stats", on_delete=fields.CASCADE
    )
    user_id: int
    posts = fields.IntField(default=0)
    answers = fields.IntField(default=0)
    accepted_answers = fields.IntField(default=0)
    reactions_received = fields.IntField(default=0)
    events_attended = fields.IntField(default=0)
    current_streak = fields.IntField(default=0)
    longest_streak = fields.IntField(default=0)
    last_check_in_day = fields.DateField(null=True)
    displayed_title: fields.ForeignKeyNullableRelation[Title] = fields.ForeignKeyField(
        "engagement.Title", related_name="displayed_by", null=True, on_delete=fields.SET_NULL
    )
    displayed_title_id: int | None

    class Meta:
        table = "engagement_member_stats"


class CheckIn(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="check_ins", on_delete=fields.CASCADE
    )
    user_id: int
    day = fields.DateField()  # in the community time zone
    streak = fields.IntField()
    points = fields.IntField(default=0)  # check-in points plus any streak bonus
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_check_ins"
        unique_together = (("user", "day"),)
        ordering = ["-day", "-id"]


# --- Badges and titles --------------------------------------------------------------------------


class BadgeTier(str, Enum):
    BRONZE = "BRONZE"
    SILVER = "SILVER"
    GOLD = "GOLD"


class BadgeCriterion(str, Enum):
    """What a rule-based badge counts; MANUAL badges are only awarded by hand."""

    MANUAL = "MANUAL"
    POSTS = "POSTS"
    ANSWERS = "ANSWERS"
    ACCEPTED_ANSWERS = "ACCEPTED_ANSWERS"
    REACTIONS_RECEIVED = "REACTIONS_RECEIVED"
    CHECK_IN_STREAK = "CHECK_IN_STREAK"
    EVENTS_ATTENDED = "EVENTS_ATTENDED"
    EVENT = "EVENT"  # `threshold` occurrences of the domain event `event_name` (docs/events.md)


class Badge(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    description = fields.TextField(default="")
    icon: fields.ForeignKeyNullableRelation[MediaFile] = fields.ForeignKeyField(
        "media.MediaFile", related_name="badges", null=True, on_delete=fields.SET_NULL
    )
    icon_id: int | None
    tier = fields.CharEnumField(BadgeTier, max_length=16, default=BadgeTier.BRONZE)
    criterion = fields.CharEnumField(BadgeCriterion, max_length=32, default=BadgeCriterion.MANUAL)
    threshold = fields.IntField(default=0)
    # Criterion EVENT: the catalogue name of the event counted ("forum.topic_created").
    event_name = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_badges"
        ordering = ["name"]


class BadgeAward(Model):
    id = fields.IntField(primary_key=True)
    badge: fields.ForeignKeyRelation[Badge] = fields.ForeignKeyField(
        "engagement.Badge", related_name="awards", on_delete=fields.CASCADE
    )
    badge_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="badge_awards", on_delete=fields.CASCADE
    )
    user_id: int
    awarded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="badge_awards_given", null=True, on_delete=fields.SET_NULL
    )
    awarded_by_id: int | None
    reason = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    # Revoked by staff, with a reason: the row stays so rules and the backfill never give it again.
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=500, default="")
    revoked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="badge_awards_revoked", null=True, on_delete=fields.SET_NULL
    )
    revoked_by_id: int | None

    class Meta:
        table = "engagement_badge_awards"
        unique_together = (("badge", "user"),)  # each badge once per member
        ordering = ["-created_at", "-id"]


class Title(Model):
    """头衔: granted by admins, or reached by points when `min_points` is set (from POINT_LEVELS)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    description = fields.TextField(default="")
    min_points = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_titles"
        ordering = ["name"]


class TitleGrant(Model):
    id = fields.IntField(primary_key=True)
    title: fields.ForeignKeyRelation[Title] = fields.ForeignKeyField(
        "engagement.Title", related_name="grants", on_delete=fields.CASCADE
    )
    title_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="title_grants", on_delete=fields.CASCADE
    )
    user_id: int
    granted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="title_grants_given", null=True, on_delete=fields.SET_NULL
    )
    granted_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_title_grants"
        unique_together = (("title", "user"),)


# --- Rewards ------------------------------------------------------------------------------------


class Reward(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    cost = fields.IntField()
    stock = fields.IntField()  # items left
    per_member_limit = fields.IntField(null=True)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    active = fields.BooleanField(default=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="rewards_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_rewards"
        ordering = ["cost", "id"]


class RedemptionStatus(str, Enum):
    PENDING = "PENDING"
    FULFILLED = "FULFILLED"
    REFUNDED = "REFUNDED"


class Redemption(Model):
    id = fields.IntField(primary_key=True)
    reward: fields.ForeignKeyRelation[Reward] = fields.ForeignKeyField(
        "engagement.Reward", related_name="redemptions", on_delete=fields.CASCADE
    )
    reward_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="redemptions", on_delete=fields.CASCADE
    )
    user_id: int
    cost = fields.IntField()
    status = fields.CharEnumField(RedemptionStatus, max_length=16, default=RedemptionStatus.PENDING)
    note = fields.CharField(max_length=500, default="")
    handled_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="redemptions_handled", null=True, on_delete=fields.SET_NULL
    )
    handled_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    handled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "engagement_redemptions"
        ordering = ["-created_at", "-id"]
        indexes = (("user_id", "reward_id"),)


# --- Community events ---------------------------------------------------------------------------


class EventVisibility(str, Enum):
    PUBLIC = "PUBLIC"  # everyone, anonymous visitors included
    MEMBERS = "MEMBERS"  # signed-in members
    COMMITTEE = "COMMITTEE"  # the members of `Event.committee`
    TIER = "TIER"  # members holding the growth tier `Event.min_tier_id` or a higher-ranked one


class Event(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    online = fields.BooleanField(default=False)
    location = fields.CharField(max_length=300, default="")
    url = fields.CharField(max_length=500, default="")
    capacity = fields.IntField(null=True)  # null: unlimited
    signup_deadline = fields.DatetimeField(null=True)
    # Sign-ups open then (null: as soon as it is announced); a tier's early_signup_hours come first.
    signup_opens_at = fields.DatetimeField(null=True)
    check_in_code = fields.CharField(max_length=16)
    attendance_points = fields.IntField(null=True)  # null: the event_attendance rule
    organiser: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="events_organised", null=True, on_delete=fields.SET_NULL
    )
    organiser_id: int | None
    cancelled_at = fields.DatetimeField(null=True)
    # When RSVPs were reminded of the start (claimed by a conditional update: once per start time;
    # cleared when the start moves).
    reminded_at = fields.DatetimeField(null=True)
    # Who sees the event (see api.domain.engagement.access); the meeting link only those with a place.
    visibility = fields.CharEnumField(EventVisibility, max_length=16, default=EventVisibility.PUBLIC)
    min_tier_id = fields.IntField(null=True)  # for TIER: a growth Tier's id (asked, not joined)
    committee: fields.ForeignKeyNullableRelation[Committee] = fields.ForeignKeyField(
        "accounts.Committee", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    committee_id: int | None
    # A recurring event is stored as one row per occurrence (each with its own sign-ups), all
    # naming the first occurrence as their series and keeping the RRULE they came from.
    series_id = fields.IntField(null=True, db_index=True)
    # Proposed by a member: waits (with its series) in the review queue until staff approve it.
    held = fields.BooleanField(default=False)
    recurrence = fields.CharField(max_length=200, default="")
    # Moderation (api.domain.content): hidden shows only to its author and staff; deleted to nobody.
    hidden = fields.BooleanField(default=False)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_events"
        ordering = ["starts_at", "id"]


class RsvpStatus(str, Enum):
    GOING = "GOING"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"


class Rsvp(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "engagement.Event", related_name="rsvps", on_delete=fields.CASCADE
    )
    event_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="rsvps", on_delete=fields.CASCADE
    )
    user_id: int
    status = fields.CharEnumField(RsvpStatus, max_length=16)
    # Order on the waitlist: when the member (re)joined it. Promotion takes the smallest.
    queued_at = fields.DatetimeField()
    checked_in_at = fields.DatetimeField(null=True)
    checked_in_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="check_ins_recorded", null=True, on_delete=fields.SET_NULL
    )
    checked_in_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_rsvps"
        unique_together = (("event", "user"),)
        ordering = ["queued_at", "id"]


# --- Lotteries ----------------------------------------------------------------------------------


class LotteryStatus(str, Enum):
    OPEN = "OPEN"
    FROZEN = "FROZEN"  # the entrant list is fixed and the commitment published; the draw comes next
    DRAWN = "DRAWN"
    CANCELLED = "CANCELLED"


class EligibleSet(str, Enum):
    EVENT_ATTENDEES = "EVENT_ATTENDEES"
    CHECK_IN_STREAK = "CHECK_IN_STREAK"
    SURVEY_RESPONDENTS = "SURVEY_RESPONDENTS"
    LIST = "LIST"


class Lottery(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    status = fields.CharEnumField(LotteryStatus, max_length=16, default=LotteryStatus.OPEN)
    eligible_set = fields.CharEnumField(EligibleSet, max_length=32)
    event: fields.ForeignKeyNullableRelation[Event] = fields.ForeignKeyField(
        "engagement.Event", related_name="lotteries", null=True, on_delete=fields.SET_NULL
    )
    event_id: int | None
    min_streak = fields.IntField(null=True)
    survey_id = fields.IntField(null=True)  # a governance survey
    winner_count = fields.IntField()
    prizes: fields.JSONField[list[Any]] = fields.JSONField(default=list)  # prize names, by winner rank
    # Members may enter a hand-made list themselves, paying `entry_cost` points (0: free).
    self_entry = fields.BooleanField(default=False)
    entry_cost = fields.IntField(default=0)
    # Set at the freeze (see api.domain.engagement.lotteries): sha256 hex of f"{seed}:{entrants_hash}".
    commitment = fields.CharField(max_length=64, null=True)
    seed = fields.CharField(max_length=64, null=True)  # drawn at the freeze, secret until the draw
    entrants_hash = fields.CharField(max_length=64, null=True)  # sha256 of the frozen sorted ids
    eligible_user_ids: fields.JSONField[list[Any]] = fields.JSONField(default=list)  # the frozen sorted entrant ids
    frozen_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="lotteries_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    drawn_at = fields.DatetimeField(null=True)

    class Meta:
        table = "engagement_lotteries"
        ordering = ["-created_at", "-id"]


class LotteryEntrant(Model):
    """A member of a hand-made eligible list (added by staff, or entered themselves)."""

    id = fields.IntField(primary_key=True)
    lottery: fields.ForeignKeyRelation[Lottery] = fields.ForeignKeyField(
        "engagement.Lottery", related_name="entrants", on_delete=fields.CASCADE
    )
    lottery_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="lottery_entries", on_delete=fields.CASCADE
    )
    user_id: int
    paid = fields.IntField(default=0)  # points paid to enter (given back if the lottery is cancelled)

    class Meta:
        table = "engagement_lottery_entrants"
        unique_together = (("lottery", "user"),)


class LotteryWinner(Model):
    id = fields.IntField(primary_key=True)
    lottery: fields.ForeignKeyRelation[Lottery] = fields.ForeignKeyField(
        "engagement.Lottery", related_name="winners", on_delete=fields.CASCADE
    )
    lottery_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="lottery_wins", on_delete=fields.CASCADE
    )
    user_id: int
    rank = fields.IntField()  # 1-based draw order
    prize = fields.CharField(max_length=200, default="")

    class Meta:
        table = "engagement_lottery_winners"
        unique_together = (("lottery", "rank"),)
        ordering = ["rank"]


# --- Messages -----------------------------------------------------------------------------------


class Conversation(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200, default="")
    is_group = fields.BooleanField(default=False)
    # For one-to-one conversations: "smaller_id:larger_id", so a pair has one conversation.
    pair_key = fields.CharField(max_length=32, null=True, unique=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="conversations_started", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    last_message_at = fields.DatetimeField(null=True)

    class Meta:
        table = "engagement_conversations"


class ConversationMember(Model):
    id = fields.IntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "engagement.Conversation", related_name="members", on_delete=fields.CASCADE
    )
    conversation_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="conversation_memberships", on_delete=fields.CASCADE
    )
    user_id: int
    joined_at = fields.DatetimeField(auto_now_add=True)
    left_at = fields.DatetimeField(null=True)
    last_read_message_id = fields.IntField(default=0)

    class Meta:
        table = "engagement_conversation_members"
        unique_together = (("conversation", "user"),)


class Message(Model):
    id = fields.IntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "engagement.Conversation", related_name="messages", on_delete=fields.CASCADE
    )
    conversation_id: int
    sender: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="messages_sent", null=True, on_delete=fields.SET_NULL
    )
    sender_id: int | None
    body = fields.TextField()
    is_auto_reply = fields.BooleanField(default=False)
    hidden = fields.BooleanField(default=False)  # by moderation
    deleted = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_messages"
        ordering = ["id"]
        indexes = (("conversation_id", "id"),)


class Block(Model):
    id = fields.IntField(primary_key=True)
    blocker: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="blocks", on_delete=fields.CASCADE
    )
    blocker_id: int
    blocked: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="blocked_by", on_delete=fields.CASCADE
    )
    blocked_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_blocks"
        unique_together = (("blocker", "blocked"),)


class AutoReply(Model):
    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "accounts.User", related_name="auto_reply", on_delete=fields.CASCADE
    )
    user_id: int
    body = fields.TextField()
    enabled = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "engagement_auto_replies"


class AutoReplySent(Model):
    """Claims the one auto-reply of a member per conversation per day (unique row)."""

    id = fields.IntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "engagement.Conversation", related_name="auto_replies_sent", on_delete=fields.CASCADE
    )
    conversation_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="auto_replies_sent", on_delete=fields.CASCADE
    )
    user_id: int
    day = fields.DateField()

    class Meta:
        table = "engagement_auto_replies_sent"
        unique_together = (("conversation", "user", "day"),)


# --- Feedback -----------------------------------------------------------------------------------


class FeedbackCategory(str, Enum):
    SUGGESTION = "SUGGESTION"
    COMPLAINT = "COMPLAINT"
    BUG = "BUG"
    QUESTION = "QUESTION"
    OTHER = "OTHER"


class TicketStatus(str, Enum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    REJECTED = "REJECTED"


class FeedbackTicket(Model):
    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="feedback_tickets", on_delete=fields.CASCADE
    )
    author_id: int
    category = fields.CharEnumField(FeedbackCategory, max_length=16)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    attachment_ids: fields.JSONField[list[Any]] = fields.JSONField(default=list)  # media file ids
    status = fields.CharEnumField(TicketStatus, max_length=16, default=TicketStatus.OPEN)
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="feedback_assigned", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    first_response_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)  # RESOLVED or REJECTED

    class Meta:
        table = "engagement_feedback_tickets"
        ordering = ["-created_at", "-id"]


class FeedbackReply(Model):
    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[FeedbackTicket] = fields.ForeignKeyField(
        "engagement.FeedbackTicket", related_name="replies", on_delete=fields.CASCADE
    )
    ticket_id: int
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="feedback_replies", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    body = fields.TextField()
    from_staff = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement_feedback_replies"
        ordering = ["id"]
