"""Committees and their membership history (who was a member when decides who may vote)."""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from api import text
from api.domain.accounts.events import MemberAccessChanged
from api.errors import Conflict, DomainError, Forbidden, NotFound, collect
from api.events import emit
from api.models.accounts import Committee, CommitteeMembership, CommitteeRole, Role, User, Visibility
from api.policies import is_admin, require_can_act, require_role
from api.policy import can_view
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

MAX_NAME_LENGTH = 100


async def active_membership(committee_id: int, user_id: int) -> CommitteeMembership | None:
    return await CommitteeMembership.filter(committee_id=committee_id, user_id=user_id, left_at__isnull=True).first()


async def get_visible_committee(viewer: User | None, committee_id: int, *, field: str = "committeeId") -> Committee:
    """The committee if the viewer may see it (its read policy), else NotFound."""
    committee = await Committee.filter(id=committee_id).first()
    if committee is None or not await can_view(viewer, committee):
        raise NotFound("No such committee.", field=field)
    return committee


async def is_chair(user: User | None, committee_id: int) -> bool:
    if user is None:
        return False
    return await CommitteeMembership.filter(
        committee_id=committee_id, user_id=user.id, left_at__isnull=True, role=CommitteeRole.CHAIR
    ).exists()


async def require_chair_or_admin(user: User | None, committee_id: int) -> User:
    member = await require_can_act(user)
    if not is_admin(member) and not await is_chair(member, committee_id):
        raise Forbidden("Only the committee's chairs and admins may do this.")
    return member


async def create_committee(
    actor: User | None, name: str, description: str, visibility: Visibility, *, settings: Settings
) -> Committee:
    """Admins create committees; names are unique."""
    require_role(actor, Role.ADMIN)
    errors: list[DomainError] = []
    name = text.line(name, "name", MAX_NAME_LENGTH, what="a name", errors=errors)
    description = text.block(description, "description", settings.max_body_length, required=False, errors=errors)
    collect(errors)
    if await Committee.filter(name=name).exists():
        raise Conflict("A committee with this name exists.", field="name")
    try:
        return await Committee.create(name=name, description=description, visibility=visibility)
    except IntegrityError:
        raise Conflict("A committee with this name exists.", field="name") from None


async def add_member(
    actor: User | None, committee_id: int, user_id: int, role: CommitteeRole, *, at: datetime | None = None
) -> CommitteeMembership:
    """Start a stint on the committee. A member whose role changes gets a new stint (history)."""
    await require_chair_or_admin(actor, committee_id)
    async with transaction():
        # Lock the committee so concurrent adds of the same member cannot both open a stint.
        committee = await Committee.filter(id=committee_id).select_for_update().first()
        if committee is None:
            raise NotFound("No such committee.", field="committeeId")
        if not await User.filter(id=user_id).exists():
            raise NotFound("No such member.", field="userId")
        moment = at or now()
        current = await active_membership(committee_id, user_id)
        if current is not None:
            if current.role == role:
                raise Conflict("This member already sits on the committee with this role.", field="userId")
            current.left_at = moment
            await current.save(update_fields=["left_at"])
        return await CommitteeMembership.create(committee_id=committee_id, user_id=user_id, role=role, joined_at=moment)


async def remove_member(actor: User | None, committee_id: int, user_id: int) -> CommitteeMembership:
    """End the member's current stint; the row stays as history."""
    await require_chair_or_admin(actor, committee_id)
    async with transaction():
        committee = await Committee.filter(id=committee_id).select_for_update().first()
        if committee is None:
            raise NotFound("No such committee.", field="committeeId")
        current = await active_membership(committee_id, user_id)
        if current is None:
            raise NotFound("This member does not sit on the committee.", field="userId")
        current.left_at = now()
        await current.save(update_fields=["left_at"])
        await emit(MemberAccessChanged(user_id=user_id, reason="committee"))
        return current
