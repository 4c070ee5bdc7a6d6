"""Badges: definitions (name, description, icon, tier), awarded once per member, either by rules
over the member's counters (first post, 10 accepted answers, 7-day streak...) or by hand."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from api.transactions import transaction

from api.domain.engagement.common import clean_line, clean_text, reason_limit, require_user, stats_for
from api.domain.notifications import notify
from api.domain import media
from api.errors import Conflict, Invalid, NotFound
from api.models.accounts import Role, User
from api.models.engagement import Badge, BadgeAward, BadgeCriterion, BadgeTier, MemberStats
from api.policies import require_role
from api.settings import Settings

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
    actor: User | None, *, name: str, description: str = "", tier: BadgeTier,
    criterion: BadgeCriterion = BadgeCriterion.MANUAL, threshold: int = 0, icon_id: int | None = None, settings: Settings,
) -> Badge:
    require_role(actor, Role.ADMIN)
    name = clean_line(name, "name", 100)
    description = clean_text(description, "description", settings.max_reason_length, required=False)
    if criterion is BadgeCriterion.MANUAL:
        threshold = 0
    elif threshold < 1:
        raise Invalid("A rule-based badge needs a threshold of at least 1.", field="threshold")
    if icon_id is not None:
        await media.get_own(actor, icon_id, field="iconId")
    if await Badge.filter(name=name).exists():
        raise Conflict("A badge with this name exists.", field="name")
    try:
        async with transaction():
            badge = await Badge.create(name=name, description=description, tier=tier, criterion=criterion,
                                       threshold=threshold, icon_id=icon_id)
            if icon_id is not None:
                await media.set_private([icon_id], False)  # badge icons show to everyone
            return badge
    except IntegrityError:
        raise Conflict("A badge with this name exists.", field="name") from None


async def _give(badge: Badge, user_id: int, *, by: User | None = None, reason: str = "") -> BadgeAward | None:
    """Create the award unless the member holds the badge already (None then)."""
    if await BadgeAward.filter(badge_id=badge.id, user_id=user_id).exists():
        return None
    try:
        async with transaction():
            award = await BadgeAward.create(badge_id=badge.id, user_id=user_id,
                                            awarded_by_id=by.id if by else None, reason=reason)
    except IntegrityError:  # a concurrent award won
        return None
    await notify(user_id, "engagement.badge_awarded", actor_id=by.id if by else None,
                 subject_type="Badge", subject_id=badge.id, message=f"You earned the badge “{badge.name}”.")
    return award


async def award_badge(actor: User | None, badge_id: int, user_id: int,
                      reason: str = "", *, settings: Settings) -> BadgeAward:
    """Staff award a badge by hand; a member holds each badge once."""
    staff = require_role(actor, Role.MODERATOR)
    reason = clean_text(reason, "reason", reason_limit(settings), required=False)
    badge = await Badge.filter(id=badge_id).first()
    if badge is None:
        raise NotFound("No such badge.", field="badgeId")
    await require_user(user_id)
    award = await _give(badge, user_id, by=staff, reason=reason)
    if award is None:
        raise Conflict("The member holds this badge already.", field="userId")
    return award


async def evaluate(user_id: int, *criteria: BadgeCriterion) -> list[BadgeAward]:
    """Award every rule-based badge of `criteria` whose threshold the member's counter reached."""
    stats: MemberStats = await stats_for(user_id)
    awards = []
    for badge in await Badge.filter(criterion__in=list(criteria)).order_by("threshold", "id"):
        if getattr(stats, COUNTER_OF[BadgeCriterion(badge.criterion)]) >= badge.threshold:
            award = await _give(badge, user_id)
            if award is not None:
                awards.append(award)
    return awards
