"""Badges: definitions (name, description, icon, tier), awarded once per member, either by rules
over the member's counters (first post, 10 accepted answers, 7-day streak...) or by hand.

A new rule badge reaches the members who already qualify through the `engagement.badges_backfill`
job (one INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING per rule badge: with several
processes each award is made, and told, once), not in the request that creates it. Staff revoke
an award with a reason; the revoked row stays, so neither rules nor the backfill give it back
(staff may award it again by hand).

An EVENT badge counts a typed domain event (`event_name` from the catalogue, docs/events.md) caused
by the member (its `actor_id`, else `user_id`, else `author_id`). Two ways, by event:
- events whose domain declares a *history* (`api.registry.History`: SQL with one row per past
  occurrence) are counted from it: the backfill job awards a new badge to every member whose
  history already reaches the threshold (one INSERT ... SELECT ... GROUP BY ... HAVING per badge),
  and `count_event` reads the member's count from the history after each event (exact, the same
  in every process);
- other events are counted from the moment a badge names them: `count_event` bumps the member's
  count with one atomic upsert (`engagement_event_counts`); what happened before is not known.
Either way the award's unique key keeps it to once with several processes.

`count_event` hears every event, so it first asks a per-process cache of the event names EVENT
badges use (`counted_events`): an event no badge names costs no query. A badge created in this
process refreshes it at once; one created in another process is seen within
`EVENT_NAMES_SECONDS` (the cache's lifetime), events before that are not counted for it (with a
history, the backfill and the next event's exact count catch up)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError

from api.db import fetch_all
from api.domain import media
from api.domain.engagement.common import clean_line, clean_text, reason_limit, require_user, stats_for
from api.domain.notifications import notify, notify_many
from api.errors import Conflict, Invalid, NotFound
from api.models.accounts import Role, User
from api.models.engagement import Badge, BadgeAward, BadgeCriterion, BadgeTier, MemberStats

if TYPE_CHECKING:
    from api.events import Event
from api.policies import require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import after_commit, transaction

# Which `MemberStats` counter each rule-based criterion reads.
COUNTER_OF = {
    BadgeCriterion.POSTS: "posts",
    BadgeCriterion.ANSWERS: "answers",
    BadgeCriterion.ACCEPTED_ANSWERS: "accepted_answers",
    BadgeCriterion.REACTIONS_RECEIVED: "reactions_received",
    BadgeCriterion.CHECK_IN_STREAK: "current_streak",
    BadgeCriterion.EVENTS_ATTENDED: "events_attended",
}


async def create_badge(
    actor: User | None,
    *,
    name: str,
    description: str = "",
    tier: BadgeTier,
    criterion: BadgeCriterion = BadgeCriterion.MANUAL,
    threshold: int = 0,
    event_name: str | None = None,
    icon_id: int | None = None,
    settings: Settings,
) -> Badge:
    require_role(actor, Role.ADMIN)
    name = clean_line(name, "name", 100)
    description = clean_text(description, "description", settings.max_reason_length, required=False)
    if criterion is BadgeCriterion.MANUAL:
        threshold = 0
    elif threshold < 1:
        raise Invalid("A rule-based badge needs a threshold of at least 1.", field="threshold")
    if criterion is BadgeCriterion.EVENT:
        from api.registry import registry

        if event_name not in registry().events:
            raise Invalid("Name an event of the catalogue (docs/events.md).", field="eventName")
    else:
        event_name = None
    if icon_id is not None:
        await media.get_own(actor, icon_id, field="iconId")
    if await Badge.filter(name=name).exists():
        raise Conflict("A badge with this name exists.", field="name")
    try:
        async with transaction():
            badge = await Badge.create(
                name=name,
                description=description,
                tier=tier,
                criterion=criterion,
                threshold=threshold,
                event_name=event_name,
                icon_id=icon_id,
            )
            if icon_id is not None:
                await media.set_private([icon_id], False)  # badge icons show to everyone
    except IntegrityError:
        raise Conflict("A badge with this name exists.", field="name") from None
    if criterion is BadgeCriterion.EVENT:
        # Counted from now on in this process (others: within EVENT_NAMES_SECONDS); forgotten now
        # and once committed, so a read racing an outer transaction is not kept either.
        forget_counted_events()

        async def forget() -> None:
            forget_counted_events()

        await after_commit(forget)
    return badge


async def _give(badge: Badge, user_id: int, *, by: User | None = None, reason: str = "") -> BadgeAward | None:
    """Create the award unless the member holds the badge already (None then)."""
    if await BadgeAward.filter(badge_id=badge.id, user_id=user_id).exists():
        return None
    try:
        async with transaction():
            award = await BadgeAward.create(
                badge_id=badge.id, user_id=user_id, awarded_by_id=by.id if by else None, reason=reason
            )
    except IntegrityError:  # a concurrent award won
        return None
    await notify(
        user_id,
        "engagement.badge_awarded",
        actor_id=by.id if by else None,
        subject_type="Badge",
        subject_id=badge.id,
        message=f"You earned the badge “{badge.name}”.",
    )
    return award


async def award_badge(
    actor: User | None, badge_id: int, user_id: int, reason: str = "", *, settings: Settings
) -> BadgeAward:
    """Staff award a badge by hand; a member holds each badge once."""
    staff = require_role(actor, Role.MODERATOR)
    reason = clean_text(reason, "reason", reason_limit(settings), required=False)
    badge = await Badge.filter(id=badge_id).first()
    if badge is None:
        raise NotFound("No such badge.", field="badgeId")
    await require_user(user_id)
    restored = await BadgeAward.filter(badge_id=badge.id, user_id=user_id, revoked_at__isnull=False).update(
        revoked_at=None, revoked_reason="", revoked_by_id=None, awarded_by_id=staff.id, reason=reason
    )
    if restored:
        return await BadgeAward.get(badge_id=badge.id, user_id=user_id)
    award = await _give(badge, user_id, by=staff, reason=reason)
    if award is None:
        raise Conflict("The member holds this badge already.", field="userId")
    return award


async def evaluate(user_id: int, *criteria: BadgeCriterion) -> list[BadgeAward]:
    """Award every rule-based badge of `criteria` whose threshold the member's counter reached."""
    stats: MemberStats = await stats_for(user_id)
    awards = []
    for badge in await Badge.filter(criterion__in=[c for c in criteria if c in COUNTER_OF]).order_by("threshold", "id"):
        if getattr(stats, COUNTER_OF[BadgeCriterion(badge.criterion)]) >= badge.threshold:
            award = await _give(badge, user_id)
            if award is not None:
                awards.append(award)
    return awards


async def revoke_award(
    actor: User | None, badge_id: int, user_id: int, reason: str, *, settings: Settings
) -> BadgeAward:
    """Staff take a badge back, with a reason the member is told."""
    staff = require_role(actor, Role.MODERATOR)
    reason = clean_text(reason, "reason", reason_limit(settings))
    award = await BadgeAward.filter(badge_id=badge_id, user_id=user_id).select_related("badge").first()
    if award is None:
        raise NotFound("The member does not hold this badge.", field="badgeId")
    revoked = await BadgeAward.filter(id=award.id, revoked_at__isnull=True).update(
        revoked_at=now(), revoked_reason=reason, revoked_by_id=staff.id
    )
    if not revoked:
        raise Conflict("This badge was already revoked.", field="badgeId")
    await notify(
        user_id,
        "engagement.badge_revoked",
        actor_id=staff.id,
        subject_type="Badge",
        subject_id=badge_id,
        message=f"The badge “{award.badge.name}” was taken back: {reason}",
    )
    return await BadgeAward.get(id=award.id)


async def backfill(settings: Settings) -> int:
    """Award every rule badge to the members whose counters already reach it, and every EVENT
    badge whose event has a history to the members whose history reaches it; how many awards.
    Each badge is one INSERT ... ON CONFLICT DO NOTHING RETURNING: with several processes each
    award is made, and told, once."""
    from api.registry import registry

    histories = registry().histories
    made = 0
    for badge in await Badge.filter(criterion__in=[*COUNTER_OF, BadgeCriterion.EVENT]).order_by("id"):
        if badge.criterion == BadgeCriterion.EVENT:
            history = histories.get(badge.event_name or "")
            if history is None:
                continue  # counted from the badge's creation on: no past to award from
            source = (
                f"(SELECT h.user_id FROM ({history.sql}) h WHERE h.user_id IS NOT NULL "
                "GROUP BY h.user_id HAVING COUNT(*) >= ?) s"
            )
        else:
            column = COUNTER_OF[BadgeCriterion(badge.criterion)]
            source = f"(SELECT user_id FROM engagement_member_stats WHERE {column} >= ?) s"
        rows = await fetch_all(
            "INSERT INTO engagement_badge_awards (badge_id, user_id, reason, created_at, revoked_reason) "
            f"SELECT ?, s.user_id, ?, ?, ? FROM {source} WHERE s.user_id IS NOT NULL "
            "ON CONFLICT (badge_id, user_id) DO NOTHING RETURNING user_id",
            [badge.id, "", now(), "", badge.threshold],
        )
        made += len(rows)
        await notify_many(
            [int(row["user_id"]) for row in rows],
            "engagement.badge_awarded",
            subject_type="Badge",
            subject_id=badge.id,
            message=f"You earned the badge “{badge.name}”.",
        )
    return made


async def backfill_job(settings: Settings) -> bool:
    """Background job: rule and EVENT badges reach members who already qualify (correct with several processes)."""
    return bool(await backfill(settings))


MEMBER_FIELDS = ("actor_id", "user_id", "author_id")  # who caused an event, in this order

# How long this process trusts its list of the event names EVENT badges use: a badge created in
# another process starts counting within this many seconds (one created here, at once).
EVENT_NAMES_SECONDS = 5.0
_counted: frozenset[str] | None = None
_counted_at = 0.0
_generation = 0  # bumped by `forget_counted_events`: a read begun before it is not kept


def forget_counted_events(names: frozenset[str] | None = None) -> None:
    """Read the event names again on the next event (or take `names` as they are: tests)."""
    global _counted, _counted_at, _generation
    _generation += 1
    _counted, _counted_at = names, time.monotonic()


async def counted_events(*, refresh: bool = False) -> frozenset[str]:
    """The event names EVENT badges use (cached per process for EVENT_NAMES_SECONDS)."""
    global _counted, _counted_at
    if refresh or _counted is None or time.monotonic() - _counted_at > EVENT_NAMES_SECONDS:
        generation = _generation
        names = await Badge.filter(criterion=BadgeCriterion.EVENT, event_name__isnull=False).values_list(
            "event_name", flat=True
        )
        found = frozenset(str(n) for n in names)
        if generation == _generation:  # no badge was created meanwhile
            _counted, _counted_at = found, time.monotonic()
        return found
    return _counted


async def event_count(user_id: int, event_name: str) -> int | None:
    """The member's exact count of an event with a history (None: the event has none)."""
    from api.registry import registry

    history = registry().histories.get(event_name)
    if history is None:
        return None
    rows = await fetch_all(f"SELECT COUNT(*) AS n FROM ({history.sql}) h WHERE h.user_id = ?", [user_id])
    return int(rows[0]["n"]) if rows else 0


async def count_event(event: Event, settings: Settings) -> list[BadgeAward]:
    """Observer of every event: when an EVENT badge names it, count it for its member (from the
    event's history when its domain declares one, else one atomic increment) and award the
    badges whose threshold the count reached."""
    if event.name not in await counted_events():
        return []
    badges = await Badge.filter(criterion=BadgeCriterion.EVENT, event_name=event.name).order_by("threshold", "id")
    if not badges:
        return []
    values = event.fields()
    user_id = next((values[f] for f in MEMBER_FIELDS if isinstance(values.get(f), int)), None)
    if user_id is None or not await User.filter(id=user_id).exists():
        return []
    count = await event_count(user_id, event.name)
    if count is None:
        rows = await fetch_all(
            "INSERT INTO engagement_event_counts (user_id, event_name, count) VALUES (?, ?, 1) "
            "ON CONFLICT (user_id, event_name) DO UPDATE SET count = engagement_event_counts.count + 1 "
            "RETURNING count",
            [user_id, event.name],
        )
        count = int(rows[0]["count"])
    awards = []
    for badge in badges:
        if count >= badge.threshold and (award := await _give(badge, user_id)) is not None:
            awards.append(award)
    return awards
