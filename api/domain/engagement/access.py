"""Who may see what in engagement: one rule per node type (declared in the manifest).

Private messages are the one sensitive case: a member sees the messages of the conversations they
belong to now (leaving a conversation takes its messages out of view), never deleted ones; staff
see a message only through a report (the review queue shows reported content). Points, check-ins
and redemptions are their owner's and staff's; feedback tickets their author's and staff's.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api.db import column
from api.domain.engagement.questions import TiersReached
from api.events import decide
from api.models.accounts import User
from api.models.engagement import (
    Badge,
    BadgeAward,
    CheckIn,
    Conversation,
    ConversationMember,
    Event,
    EventVisibility,
    FeedbackReply,
    FeedbackTicket,
    Lottery,
    Message,
    PointEntry,
    Redemption,
    Reward,
    Rsvp,
    RsvpStatus,
    Title,
)
from api.policies import committee_seats, is_shown, is_staff, shown_q
from api.policy import ReadPolicy, everyone, owner_or_staff, through

Memo = dict[str, Any]


def _my_conversations(viewer: User) -> QuerySet[ConversationMember]:
    return ConversationMember.filter(user_id=viewer.id, left_at__isnull=True)


async def visible_conversations(viewer: User | None, memo: Memo) -> QuerySet[Conversation]:
    if viewer is None:
        return Conversation.filter(id__in=[])
    return Conversation.filter(id__in=Subquery(_my_conversations(viewer).values("conversation_id")))


async def visible_messages(viewer: User | None, memo: Memo) -> QuerySet[Message]:
    """Who may see a message: current members of its conversation; deleted messages nobody."""
    if viewer is None:
        return Message.filter(id__in=[])
    return Message.filter(
        deleted=False, conversation_id__in=Subquery(_my_conversations(viewer).values("conversation_id"))
    )


async def filter_messages(viewer: User | None, rows: list[Message], memo: Memo) -> list[Message]:
    """`visible_messages` for loaded rows (one query)."""
    if viewer is None:
        return []
    mine = set(
        await column(
            _my_conversations(viewer).filter(conversation_id__in={r.conversation_id for r in rows}), "conversation_id"
        )
    )
    return [r for r in rows if r.conversation_id in mine and not r.deleted]


async def can_view_message(viewer: User | None, message: Message) -> bool:
    return bool(await filter_messages(viewer, [message], {}))


async def visible_rsvps(viewer: User | None, memo: Memo) -> QuerySet[Rsvp]:
    """Signed-in members see who signed up for the events they see (attendee lists)."""
    if viewer is None:
        return Rsvp.filter(id__in=[])
    return Rsvp.filter(event_id__in=Subquery((await visible_events(viewer, memo)).values("id")))


async def filter_rsvps(viewer: User | None, rows: list[Rsvp], memo: Memo) -> list[Rsvp]:
    if viewer is None or not rows:
        return []
    seen = {
        e.id for e in await filter_events(viewer, list(await Event.filter(id__in={r.event_id for r in rows})), memo)
    }
    return [r for r in rows if r.event_id in seen]


def can_read_ticket(viewer: User | None, ticket: FeedbackTicket | None) -> bool:
    """Who may read a feedback ticket and its thread: its author and staff."""
    return ticket is not None and viewer is not None and (ticket.author_id == viewer.id or is_staff(viewer))


async def visible_tickets(viewer: User | None, memo: Memo) -> QuerySet[FeedbackTicket]:
    if viewer is None:
        return FeedbackTicket.filter(id__in=[])
    return FeedbackTicket.all() if is_staff(viewer) else FeedbackTicket.filter(author_id=viewer.id)


async def visible_awards(viewer: User | None, memo: Memo) -> QuerySet[BadgeAward]:
    return BadgeAward.all() if is_staff(viewer) else BadgeAward.filter(revoked_at__isnull=True)


async def filter_awards(viewer: User | None, rows: list[BadgeAward], memo: Memo) -> list[BadgeAward]:
    return rows if is_staff(viewer) else [r for r in rows if r.revoked_at is None]


async def tiers_reached(viewer: User | None, memo: Memo) -> frozenset[int]:
    """Ids of the tiers the viewer reaches (theirs and those ranked below), asked once per operation."""
    if viewer is None:
        return frozenset()
    key = f"tiers_reached.{viewer.id}"
    if key not in memo:
        memo[key] = await decide(TiersReached(viewer.id))
    reached: frozenset[int] = memo[key]
    return reached


async def visible_events(viewer: User | None, memo: Memo) -> QuerySet[Event]:
    """PUBLIC events to everyone, MEMBERS events to signed-in members, COMMITTEE events to the
    committee's members, TIER events to members holding `min_tier_id` or a higher-ranked tier; proposed (held) events only to their organiser and staff; organisers and
    staff see theirs and all. Moderation: see `shown_q`."""
    shown = shown_q(viewer, "organiser_id")
    if viewer is None:
        return Event.filter(shown, visibility=EventVisibility.PUBLIC, held=False)
    if is_staff(viewer):
        return Event.filter(shown)
    seats = await committee_seats(viewer, memo)
    reached = await tiers_reached(viewer, memo)
    audience = Q(
        Q(visibility__in=[EventVisibility.PUBLIC, EventVisibility.MEMBERS]),
        Q(visibility=EventVisibility.COMMITTEE, committee_id__in=list(seats) or [0]),
        Q(visibility=EventVisibility.TIER, min_tier_id__in=sorted(reached) or [0]),
        join_type="OR",
    )
    # Organisers see theirs whatever the audience, proposed (held) ones included.
    return Event.filter(shown, Q(Q(audience, held=False), Q(organiser_id=viewer.id), join_type="OR"))


def _in_audience(viewer: User | None, event: Event, seats: frozenset[int], reached: frozenset[int]) -> bool:
    if is_staff(viewer) or (viewer is not None and event.organiser_id == viewer.id):
        return True
    if event.held:
        return False
    if viewer is None:
        return event.visibility == EventVisibility.PUBLIC
    if event.visibility == EventVisibility.COMMITTEE:
        return event.committee_id in seats
    if event.visibility == EventVisibility.TIER:
        return event.min_tier_id in reached
    return True


async def filter_events(viewer: User | None, rows: list[Event], memo: Memo) -> list[Event]:
    seats = await committee_seats(viewer, memo)
    reached = (
        await tiers_reached(viewer, memo) if any(e.visibility == EventVisibility.TIER for e in rows) else frozenset()
    )
    return [e for e in rows if is_shown(viewer, e, "organiser_id") and _in_audience(viewer, e, seats, reached)]


def can_see_meeting_link(viewer: User | None, event: Event, rsvp: Rsvp | None) -> bool:
    """Who may see where to join (`Event.url`): its organiser, staff and members with a place."""
    if viewer is None:
        return False
    if event.organiser_id == viewer.id or is_staff(viewer):
        return True
    return rsvp is not None and rsvp.user_id == viewer.id and rsvp.status == RsvpStatus.GOING


READ_POLICIES = (
    ReadPolicy(Conversation, visible_conversations, doc="Its current members."),
    ReadPolicy(
        Message, visible_messages, filter_messages, "Current members of its conversation; deleted messages nobody."
    ),
    owner_or_staff(PointEntry),
    owner_or_staff(CheckIn),
    owner_or_staff(Redemption),
    ReadPolicy(FeedbackTicket, visible_tickets, doc="Its author and staff."),
    through(FeedbackReply, FeedbackTicket, "ticket_id"),
    ReadPolicy(Rsvp, visible_rsvps, filter_rsvps, "Signed-in members who see its event."),
    everyone(Badge),
    ReadPolicy(BadgeAward, visible_awards, filter_awards, "Everyone; revoked awards staff only."),
    everyone(Title),
    everyone(Reward),
    ReadPolicy(
        Event,
        visible_events,
        filter_events,
        "By its visibility (PUBLIC, MEMBERS, COMMITTEE, TIER); its organiser and staff always; hidden by "
        "moderation: its organiser and staff; deleted: nobody.",
    ),
    everyone(Lottery),
)
