"""Titles (头衔): granted by admins, or reached by points earned (levels in POINT_LEVELS).
A member picks which of their titles is shown beside their name."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from api.domain.engagement.common import clean_line, clean_text, require_user, stats_for
from api.domain.notifications import notify
from api.errors import Conflict, Forbidden, NotFound
from api.models.accounts import Role, User
from api.models.engagement import MemberStats, PointAccount, Title, TitleGrant
from api.policies import require_role
from api.settings import Settings


async def sync_level_titles(settings: Settings) -> None:
    """Make the titles of POINT_LEVELS exist with their thresholds (idempotent)."""
    levels = dict(settings.point_levels)
    existing = {t.name: t for t in await Title.filter(name__in=list(levels))}
    for name, points in levels.items():
        title = existing.get(name)
        if title is None:
            try:
                await Title.create(name=name, min_points=points, description=f"Reached at {points} points.")
            except IntegrityError:
                pass
        elif title.min_points != points:
            await Title.filter(id=title.id).update(min_points=points)


async def create_title(actor: User | None, name: str, description: str = "", *, settings: Settings) -> Title:
    require_role(actor, Role.ADMIN)
    name = clean_line(name, "name", 64)
    description = clean_text(description, "description", settings.max_reason_length, required=False)
    if await Title.filter(name=name).exists():
        raise Conflict("A title with this name exists.", field="name")
    try:
        return await Title.create(name=name, description=description)
    except IntegrityError:
        raise Conflict("A title with this name exists.", field="name") from None


async def grant_title(actor: User | None, title_id: int, user_id: int) -> TitleGrant:
    admin = require_role(actor, Role.ADMIN)
    title = await Title.filter(id=title_id).first()
    if title is None:
        raise NotFound("No such title.", field="titleId")
    await require_user(user_id)
    try:
        grant = await TitleGrant.create(title_id=title_id, user_id=user_id, granted_by_id=admin.id)
    except IntegrityError:
        raise Conflict("The member holds this title already.", field="userId") from None
    await notify(
        user_id,
        "engagement.title_granted",
        actor_id=admin.id,
        subject_type="Title",
        subject_id=title.id,
        message=f"You were granted the title “{title.name}”.",
    )
    return grant


async def available_titles(settings: Settings, user_id: int) -> list[Title]:
    """Titles the member may show: granted ones and point levels reached, by name."""
    await sync_level_titles(settings)
    account = await PointAccount.filter(user_id=user_id).first()
    earned = account.earned if account else 0
    granted = await Title.filter(grants__user_id=user_id)
    reached = await Title.filter(min_points__lte=earned)
    return sorted({t.id: t for t in [*granted, *reached]}.values(), key=lambda t: (t.min_points or 0, t.name))


async def select_title(user: User, title_id: int | None, *, settings: Settings) -> MemberStats:
    """Show `title_id` beside the member's name (None shows no title)."""
    if title_id is not None and title_id not in {t.id for t in await available_titles(settings, user.id)}:
        raise Forbidden("You do not hold this title.", field="titleId")
    stats = await stats_for(user.id)
    await MemberStats.filter(id=stats.id).update(displayed_title_id=title_id)
    stats.displayed_title_id = title_id
    return stats


async def load_displayed_titles(user_ids: list[int]) -> list[Title | None]:
    """DataLoader batch: the title each member shows, in order of `user_ids`."""
    rows = await MemberStats.filter(user_id__in=set(user_ids), displayed_title_id__isnull=False).select_related(
        "displayed_title"
    )
    by_user = {r.user_id: r.displayed_title for r in rows}
    return [by_user.get(i) for i in user_ids]
