"""Object types of the engagement domain. Related objects load through DataLoaders."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from api.db import fetch_all
from api.domain.engagement import feedback as feedback_domain
from api.domain.engagement import messages as messages_domain
from api.domain.engagement.lotteries import compute_winners
from api.models import engagement as models
from api.models.accounts import User as UserModel
from api.policies import is_staff
from schema.accounts import User
from schema.context import Info
from schema.engagement.enums import (
    BadgeCriterion, BadgeTier, EligibleSet, FeedbackCategory, LotteryStatus, RedemptionStatus, RsvpStatus,
    TicketStatus,
)
from schema.relay import (
    After, Before, Connection, First, Last, ModelNode, node_global_id, paginate, paginate_list,
)

if TYPE_CHECKING:
    from schema.media import MediaFile


async def _user(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return await info.context.loaders.by_id(UserModel).load(user_id)


def _own_or_staff(info: Info, rows: list, owner: str = "user_id") -> list:
    viewer = info.context.viewer
    if viewer is None:
        return []
    return [r for r in rows if getattr(r, owner) == viewer.id or is_staff(viewer)]


def _signed_in(info: Info, rows: list) -> list:
    return rows if info.context.viewer is not None else []


@strawberry.type(description="One award or deduction of points (the ledger is append-only).")
class PointEntry(ModelNode):
    model = models.PointEntry

    id: relay.NodeID[int]
    amount: int = strawberry.field(description="Points added (positive) or taken (negative).")
    rule: str = strawberry.field(
        description="Why: a POINTS_RULES name, `streak_bonus`, `grant`, `redemption` or `refund`.")
    reason: str = strawberry.field(description="Free text, e.g. the reason of an admin grant.")
    source_type: str = strawberry.field(description="GraphQL type of the object it is about, if any.")
    day: date = strawberry.field(description="The community day it counts for (daily caps, leaderboards).")
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="Global id of the object it is about, if any.")
    def source_id(self) -> strawberry.ID | None:
        if not self.source_type or self.source_id is None:  # type: ignore[attr-defined]
            return None
        return strawberry.ID(node_global_id(self.source_type, self.source_id))  # type: ignore[attr-defined]

    @strawberry.field(description="The member whose balance it moves.")
    async def user(self, info: Info) -> User | None:
        return await _user(info, self.user_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        return _own_or_staff(info, rows)


@strawberry.type(description="A badge members can earn.")
class Badge(ModelNode):
    model = models.Badge

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Unique name.")
    description: str = strawberry.field(description="What it rewards.")
    tier: BadgeTier = strawberry.field(description="Bronze, silver or gold.")
    criterion: BadgeCriterion = strawberry.field(description="What earns it automatically (MANUAL: by hand).")
    threshold: int = strawberry.field(description="The count the criterion must reach (0 for MANUAL).")
    created_at: datetime = strawberry.field(description="When it was defined.")

    @strawberry.field(description="The badge's icon, if any.")
    async def icon(self, info: Info) -> Annotated[MediaFile, strawberry.lazy("schema.media")] | None:
        if self.icon_id is None:  # type: ignore[attr-defined]
            return None
        from api.models.media import MediaFile as MediaFileModel

        return await info.context.loaders.by_id(MediaFileModel).load(self.icon_id)  # type: ignore[attr-defined]

    @strawberry.field(description="How many members hold it.")
    async def holder_count(self, info: Info) -> int:
        return await info.context.loaders.custom("engagement.badge_holders", _badge_holders).load(self.id)  # type: ignore[attr-defined]


async def _badge_holders(badge_ids: list[int]) -> list[int]:
    marks = ", ".join("?" for _ in badge_ids)
    rows = await fetch_all(
        f"SELECT badge_id, COUNT(*) AS n FROM engagement_badge_awards WHERE badge_id IN ({marks}) GROUP BY badge_id",
        badge_ids,
    )
    counts = {r["badge_id"]: int(r["n"]) for r in rows}
    return [counts.get(i, 0) for i in badge_ids]


@strawberry.type(description="A badge held by a member.")
class BadgeAward(ModelNode):
    model = models.BadgeAward

    id: relay.NodeID[int]
    reason: str = strawberry.field(description="Why staff awarded it (empty when earned by a rule).")
    created_at: datetime = strawberry.field(description="When it was earned.")

    @strawberry.field(description="The badge.")
    async def badge(self, info: Info) -> Badge:
        return await info.context.loaders.by_id(models.Badge).load(self.badge_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The member holding it.")
    async def user(self, info: Info) -> User | None:
        return await _user(info, self.user_id)  # type: ignore[attr-defined]


@strawberry.type(description="A title (头衔) shown beside a member's name.")
class Title(ModelNode):
    model = models.Title

    id: relay.NodeID[int]
    name: str = strawberry.field(description="The title.")
    description: str = strawberry.field(description="What it stands for.")
    min_points: int | None = strawberry.field(
        description="Points earned that reach it (a POINT_LEVELS level); null when only granted by admins.")


@strawberry.type(description="An item of the rewards catalogue (积分兑换).")
class Reward(ModelNode):
    model = models.Reward

    id: relay.NodeID[int]
    name: str = strawberry.field(description="What the member gets.")
    description: str = strawberry.field(description="Details.")
    cost: int = strawberry.field(description="Points it costs.")
    stock: int = strawberry.field(description="Items left.")
    per_member_limit: int | None = strawberry.field(description="Most redemptions per member; null: no limit.")
    starts_at: datetime | None = strawberry.field(description="Redeemable from (null: now).")
    ends_at: datetime | None = strawberry.field(description="Redeemable until (null: no end).")
    active: bool = strawberry.field(description="Whether staff offer it at all.")
    created_at: datetime = strawberry.field(description="When it was added.")


@strawberry.type(description="Points spent on a reward.")
class Redemption(ModelNode):
    model = models.Redemption

    id: relay.NodeID[int]
    cost: int = strawberry.field(description="Points spent.")
    status: RedemptionStatus = strawberry.field(description="Pending, fulfilled or refunded.")
    note: str = strawberry.field(description="Staff note on delivery or refund.")
    created_at: datetime = strawberry.field(description="When it was redeemed.")
    handled_at: datetime | None = strawberry.field(description="When staff fulfilled or refunded it.")

    @strawberry.field(description="The reward.")
    async def reward(self, info: Info) -> Reward:
        return await info.context.loaders.by_id(models.Reward).load(self.reward_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The member who redeemed it.")
    async def user(self, info: Info) -> User | None:
        return await _user(info, self.user_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        return _own_or_staff(info, rows)


@strawberry.type(description="A daily check-in.")
class CheckIn(ModelNode):
    model = models.CheckIn

    id: relay.NodeID[int]
    day: date = strawberry.field(description="The community day checked in.")
    streak: int = strawberry.field(description="Consecutive days up to and including this one.")
    points: int = strawberry.field(description="Points earned by it, streak bonus included.")
    created_at: datetime = strawberry.field(description="When it happened.")

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        return _own_or_staff(info, rows)


@strawberry.type(description="A member's place on a points leaderboard.")
class LeaderboardEntry:
    rank: int = strawberry.field(description="1 for the most points.")
    points: int = strawberry.field(description="Points earned in the period (spending excluded).")
    user_id: strawberry.Private[int]

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await _user(info, self.user_id)


@strawberry.type(description="A community event, online or offline.")
class CommunityEvent(ModelNode):
    model = models.Event

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title.")
    description: str = strawberry.field(description="Details (Markdown).")
    starts_at: datetime = strawberry.field(description="Start.")
    ends_at: datetime = strawberry.field(description="End.")
    online: bool = strawberry.field(description="Online (see `url`) or offline (see `location`).")
    location: str = strawberry.field(description="Where it takes place, for offline events.")
    url: str = strawberry.field(description="Where to join, for online events.")
    capacity: int | None = strawberry.field(description="Places; null: unlimited.")
    signup_deadline: datetime | None = strawberry.field(description="Sign-ups close then (null: at the start).")
    attendance_points: int | None = strawberry.field(
        description="Points for attending; null: the event_attendance rule.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled, if it was.")
    created_at: datetime = strawberry.field(description="When it was announced.")

    @strawberry.field(description="The organiser.")
    async def organiser(self, info: Info) -> User | None:
        return await _user(info, self.organiser_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The check-in code to show at the event; only organisers and staff see it.")
    def check_in_code(self, info: Info) -> str | None:
        viewer = info.context.viewer
        if viewer is None or not (viewer.id == self.organiser_id or is_staff(viewer)):  # type: ignore[attr-defined]
            return None
        return self.check_in_code  # type: ignore[attr-defined]

    @strawberry.field(description="Members with a place.")
    async def going_count(self, info: Info) -> int:
        return (await info.context.loaders.custom("engagement.rsvp_counts", _rsvp_counts).load(self.id))[0]  # type: ignore[attr-defined]

    @strawberry.field(description="Members on the waitlist.")
    async def waitlist_count(self, info: Info) -> int:
        return (await info.context.loaders.custom("engagement.rsvp_counts", _rsvp_counts).load(self.id))[1]  # type: ignore[attr-defined]

    @strawberry.field(description="Members who checked in.")
    async def attended_count(self, info: Info) -> int:
        return (await info.context.loaders.custom("engagement.rsvp_counts", _rsvp_counts).load(self.id))[2]  # type: ignore[attr-defined]

    @strawberry.field(description="The viewer's sign-up, if any.")
    async def viewer_rsvp(self, info: Info) -> EventRsvp | None:
        viewer = info.context.viewer
        if viewer is None:
            return None

        async def batch(event_ids: list[int]) -> list:
            rows = {r.event_id: r for r in await models.Rsvp.filter(event_id__in=event_ids, user_id=viewer.id)}
            return [rows.get(i) for i in event_ids]

        return await info.context.loaders.custom("engagement.viewer_rsvp", batch).load(self.id)  # type: ignore[attr-defined]

    @strawberry.field(description="Sign-ups in queue order, for one event at a time (members only).")
    async def rsvps(
        self, info: Info,
        status: Annotated[RsvpStatus | None, strawberry.argument(description="Only sign-ups in this state.")] = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[EventRsvp]:
        query = models.Rsvp.filter(event_id=self.id).order_by("queued_at", "id")  # type: ignore[attr-defined]
        if info.context.viewer is None:
            query = query.filter(id__in=[])
        if status is not None:
            query = query.filter(status=status)
        return await paginate(info, query, first=first, after=after, last=last, before=before)


async def _rsvp_counts(event_ids: list[int]) -> list[tuple[int, int, int]]:
    marks = ", ".join("?" for _ in event_ids)
    rows = await fetch_all(
        "SELECT event_id, "
        "SUM(CASE WHEN status = 'GOING' THEN 1 ELSE 0 END) AS going, "
        "SUM(CASE WHEN status = 'WAITLISTED' THEN 1 ELSE 0 END) AS waiting, "
        "SUM(CASE WHEN checked_in_at IS NOT NULL THEN 1 ELSE 0 END) AS attended "
        f"FROM engagement_rsvps WHERE event_id IN ({marks}) GROUP BY event_id",
        event_ids,
    )
    counts = {r["event_id"]: (int(r["going"]), int(r["waiting"]), int(r["attended"])) for r in rows}
    return [counts.get(i, (0, 0, 0)) for i in event_ids]


@strawberry.type(description="A member's sign-up to an event.")
class EventRsvp(ModelNode):
    model = models.Rsvp

    id: relay.NodeID[int]
    status: RsvpStatus = strawberry.field(description="Going, waitlisted or cancelled.")
    queued_at: datetime = strawberry.field(description="When the member (re)joined: the waitlist order.")
    checked_in_at: datetime | None = strawberry.field(description="When the member checked in at the event.")

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await _user(info, self.user_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The event.")
    async def event(self, info: Info) -> CommunityEvent:
        return await info.context.loaders.by_id(models.Event).load(self.event_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        return _signed_in(info, rows)


@strawberry.type(description="A winner of a lottery.")
class LotteryWinner:
    rank: int = strawberry.field(description="1-based draw order.")
    prize: str = strawberry.field(description="The prize of this rank, if prizes were listed.")
    user_id: strawberry.Private[int]

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await _user(info, self.user_id)


@strawberry.type(description="A verifiable draw (抽奖): `commitment` = sha256(seed) is public from the start; "
                             "at the draw the seed and the sorted eligible ids are revealed, and winners "
                             "follow from them (see `algorithm`).")
class Lottery(ModelNode):
    model = models.Lottery

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title.")
    description: str = strawberry.field(description="Details.")
    status: LotteryStatus = strawberry.field(description="Open, drawn or cancelled.")
    eligible_set: EligibleSet = strawberry.field(description="Who may win.")
    min_streak: int | None = strawberry.field(description="For CHECK_IN_STREAK: the streak needed.")
    winner_count: int = strawberry.field(description="How many winners are drawn.")
    prizes: list[str] = strawberry.field(description="Prize of each rank, in order.")
    commitment: str = strawberry.field(description="sha256 (hex) of the seed's UTF-8 text, published at opening.")
    created_at: datetime = strawberry.field(description="When it opened.")
    drawn_at: datetime | None = strawberry.field(description="When it was drawn.")

    @strawberry.field(description="How winners are derived; anyone can recompute them.")
    def algorithm(self) -> str:
        return ("remaining = sorted(eligibleUserIds as integers); for rank in 1..min(winnerCount, len): "
                "h = int(sha256(seed + ':' + str(rank)), 16); winner = remaining.pop(h mod len(remaining)).")

    @strawberry.field(description="The random seed, revealed at the draw (null before).")
    def seed(self) -> str | None:
        return self.seed if self.status == models.LotteryStatus.DRAWN else None  # type: ignore[attr-defined]

    @strawberry.field(description="Database ids of the eligible members at the draw, sorted (empty before).")
    def eligible_user_ids(self) -> list[int]:
        return list(self.eligible_user_ids) if self.status == models.LotteryStatus.DRAWN else []  # type: ignore[attr-defined]

    @strawberry.field(description="The event whose attendees are eligible (EVENT_ATTENDEES).")
    async def event(self, info: Info) -> CommunityEvent | None:
        if self.event_id is None:  # type: ignore[attr-defined]
            return None
        return await info.context.loaders.by_id(models.Event).load(self.event_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Global id of the survey whose respondents are eligible (SURVEY_RESPONDENTS).")
    def survey_id(self) -> strawberry.ID | None:
        if self.survey_id is None:  # type: ignore[attr-defined]
            return None
        return strawberry.ID(node_global_id("Survey", self.survey_id))  # type: ignore[attr-defined]

    @strawberry.field(description="The winners in rank order (empty before the draw).")
    async def winners(self, info: Info) -> list[LotteryWinner]:
        rows = await info.context.loaders.many(models.LotteryWinner, "lottery_id", order_by=("rank",)).load(self.id)  # type: ignore[attr-defined]
        return [LotteryWinner(rank=r.rank, prize=r.prize, user_id=r.user_id) for r in rows]

    @strawberry.field(description="Whether the revealed seed matches the commitment and the winners follow "
                                  "from it (null before the draw).")
    async def verified(self, info: Info) -> bool | None:
        if self.status != models.LotteryStatus.DRAWN:  # type: ignore[attr-defined]
            return None
        from api.domain.engagement.lotteries import commitment_of

        rows = await info.context.loaders.many(models.LotteryWinner, "lottery_id", order_by=("rank",)).load(self.id)  # type: ignore[attr-defined]
        expected = compute_winners(self.seed, list(self.eligible_user_ids), self.winner_count)  # type: ignore[attr-defined]
        return commitment_of(self.seed) == self.commitment and expected == [r.user_id for r in rows]  # type: ignore[attr-defined]


@strawberry.type(description="A private conversation, one-to-one or a small group.")
class Conversation(ModelNode):
    model = models.Conversation

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title of a group conversation (empty for one-to-one).")
    is_group: bool = strawberry.field(description="A group rather than a one-to-one conversation.")
    created_at: datetime = strawberry.field(description="When it started.")
    last_message_at: datetime | None = strawberry.field(description="When the last message was sent.")

    @strawberry.field(description="Current members.")
    async def members(self, info: Info) -> list[User]:
        async def batch(conversation_ids: list[int]) -> list[list]:
            rows = await models.ConversationMember.filter(
                conversation_id__in=set(conversation_ids), left_at__isnull=True
            ).select_related("user").order_by("id")
            info.context.loaders.prime(UserModel, [r.user for r in rows])
            grouped: dict[int, list] = {}
            for row in rows:
                grouped.setdefault(row.conversation_id, []).append(row.user)
            return [grouped.get(i, []) for i in conversation_ids]

        return await info.context.loaders.custom("engagement.members", batch).load(self.id)  # type: ignore[attr-defined]

    @strawberry.field(description="Messages the viewer has not read.")
    async def unread_count(self, info: Info) -> int:
        viewer = info.context.viewer

        async def batch(ids: list[int]) -> list[int]:
            return await messages_domain.unread_counts(viewer.id, ids)

        return await info.context.loaders.custom("engagement.unread", batch).load(self.id)  # type: ignore[attr-defined]

    @strawberry.field(description="The newest message.")
    async def last_message(self, info: Info) -> Message | None:
        async def batch(conversation_ids: list[int]) -> list:
            messages = await _last_messages(conversation_ids)
            # Senders come with the messages, so `sender` costs no query of its own.
            info.context.loaders.prime(UserModel, [m.sender for m in messages if m is not None and m.sender])
            return messages

        return await info.context.loaders.custom("engagement.last_message", batch).load(self.id)  # type: ignore[attr-defined]

    @strawberry.field(description="Messages, newest first (for one conversation at a time).")
    async def messages(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[Message]:
        query = models.Message.filter(conversation_id=self.id, deleted=False).order_by("-id")  # type: ignore[attr-defined]
        return await paginate(info, query, first=first, after=after, last=last, before=before)

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        viewer = info.context.viewer
        if viewer is None or not rows:
            return []
        mine = set(await models.ConversationMember.filter(
            user_id=viewer.id, left_at__isnull=True, conversation_id__in=[r.id for r in rows]
        ).values_list("conversation_id", flat=True))
        return [r for r in rows if r.id in mine]


async def _last_messages(conversation_ids: list[int]) -> list:
    marks = ", ".join("?" for _ in conversation_ids)
    rows = await fetch_all(
        f"SELECT MAX(id) AS id FROM engagement_messages WHERE conversation_id IN ({marks}) AND deleted = ? "
        "GROUP BY conversation_id", [*conversation_ids, False])
    messages = {m.conversation_id: m for m in await models.Message.filter(
        id__in=[r["id"] for r in rows]).select_related("sender")}
    return [messages.get(i) for i in conversation_ids]


@strawberry.type(description="A private message.")
class Message(ModelNode):
    model = models.Message

    id: relay.NodeID[int]
    is_auto_reply: bool = strawberry.field(description="Sent automatically as the sender's away message.")
    hidden: bool = strawberry.field(description="Hidden by a moderator (its text is withheld).")
    created_at: datetime = strawberry.field(description="When it was sent.")

    @strawberry.field(description="The text (empty when hidden by a moderator).")
    def body(self) -> str:
        return "" if self.hidden else self.body  # type: ignore[attr-defined]

    @strawberry.field(description="The sender.")
    async def sender(self, info: Info) -> User | None:
        return await _user(info, self.sender_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The conversation.")
    async def conversation(self, info: Info) -> Conversation:
        return await info.context.loaders.by_id(models.Conversation).load(self.conversation_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        viewer = info.context.viewer
        if viewer is None or not rows:
            return []
        mine = set(await models.ConversationMember.filter(
            user_id=viewer.id, left_at__isnull=True, conversation_id__in=[r.conversation_id for r in rows]
        ).values_list("conversation_id", flat=True))
        return [r for r in rows if r.conversation_id in mine and not r.deleted]


@strawberry.type(description="A member's feedback or complaint, with its thread.")
class FeedbackTicket(ModelNode):
    model = models.FeedbackTicket

    id: relay.NodeID[int]
    category: FeedbackCategory = strawberry.field(description="Kind of feedback.")
    subject: str = strawberry.field(description="One-line summary.")
    body: str = strawberry.field(description="The feedback as written.")
    status: TicketStatus = strawberry.field(description="Open, in progress, resolved or rejected.")
    created_at: datetime = strawberry.field(description="When it was filed.")
    first_response_at: datetime | None = strawberry.field(description="When staff first replied.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved or rejected.")

    @strawberry.field(description="Seconds from filing to the first staff reply.")
    def first_response_seconds(self) -> float | None:
        if self.first_response_at is None:  # type: ignore[attr-defined]
            return None
        return (self.first_response_at - self.created_at).total_seconds()  # type: ignore[attr-defined]

    @strawberry.field(description="Seconds from filing to resolution or rejection.")
    def resolution_seconds(self) -> float | None:
        if self.resolved_at is None:  # type: ignore[attr-defined]
            return None
        return (self.resolved_at - self.created_at).total_seconds()  # type: ignore[attr-defined]

    @strawberry.field(description="Global ids of the attached media files.")
    def attachment_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(node_global_id("MediaFile", i)) for i in self.attachment_ids]  # type: ignore[attr-defined]

    @strawberry.field(description="The member who filed it.")
    async def author(self, info: Info) -> User | None:
        return await _user(info, self.author_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The staff member handling it.")
    async def assignee(self, info: Info) -> User | None:
        return await _user(info, self.assignee_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The thread, oldest first.")
    async def replies(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[FeedbackReply]:
        # Threads are short: load the threads of every ticket on the page in one query.
        rows = await info.context.loaders.many(models.FeedbackReply, "ticket_id").load(self.id)  # type: ignore[attr-defined]
        return paginate_list(info, rows, first=first, after=after, last=last, before=before)

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        return [r for r in rows if feedback_domain.can_read(info.context.viewer, r)]


@strawberry.type(description="A message in a feedback ticket's thread.")
class FeedbackReply(ModelNode):
    model = models.FeedbackReply

    id: relay.NodeID[int]
    body: str = strawberry.field(description="The text.")
    from_staff: bool = strawberry.field(description="Written by staff (rather than the member who filed it).")
    created_at: datetime = strawberry.field(description="When it was written.")

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info) -> User | None:
        return await _user(info, self.author_id)  # type: ignore[attr-defined]

    @classmethod
    async def visible(cls, info: Info, rows: list) -> list:
        if not rows:
            return []
        tickets = {t.id: t for t in await models.FeedbackTicket.filter(id__in=[r.ticket_id for r in rows])}
        return [r for r in rows if feedback_domain.can_read(info.context.viewer, tickets.get(r.ticket_id))]


@strawberry.type(description="The viewer's away message.")
class AutoReply:
    body: str = strawberry.field(description="Sent once per conversation per day when someone writes.")
    enabled: bool = strawberry.field(description="Whether it is on.")
