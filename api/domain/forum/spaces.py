"""Spaces (categories), managed by admins. Nestable one level. Changing who may see a space
re-indexes its topics and posts (and its children's), since search documents carry visibility."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from api import text
from api.db import column
from api.domain.forum.media import refresh_spaces
from api.errors import Conflict, DomainError, Invalid, NotFound, collect
from api.models.accounts import Role, User, Visibility
from api.models.forum import Post, PostingPolicy, Space, Topic
from api.policies import require_role
from api.transactions import transaction
from search.outbox import enqueue

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_UNSET = object()


@dataclass(frozen=True)
class SpaceInput:
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    position: int | None = None
    visibility: Visibility | None = None
    allowed_roles: list[Role] | None = None
    posting_policy: PostingPolicy | None = None
    parent_id: int | object | None = _UNSET  # None: top level


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:100]


async def _check(space: Space, data: SpaceInput, errors: list[DomainError]) -> None:
    if data.name is not None:
        space.name = text.line(data.name, "name", 100, what="a name", errors=errors)
    if data.slug is not None or not space.slug:
        space.slug = (data.slug or "").strip().lower() or slugify(space.name or "")
        if not SLUG_RE.match(space.slug) or len(space.slug) > 100:
            errors.append(Invalid("Use lower-case letters, digits and dashes.", field="slug"))
    if data.description is not None:
        space.description = text.block(data.description, "description", 2000, required=False, errors=errors)
    if data.position is not None:
        space.position = data.position
    if data.visibility is not None:
        space.visibility = data.visibility
    if data.allowed_roles is not None:
        space.allowed_roles = sorted({Role(r).value for r in data.allowed_roles})
    if data.posting_policy is not None:
        space.posting_policy = data.posting_policy
    if data.parent_id is not _UNSET:
        parent_id = data.parent_id
        if parent_id is not None:
            parent = await Space.filter(id=parent_id).first()
            if parent is None:
                errors.append(NotFound("No such space.", field="parentId"))
            elif parent.parent_id is not None or parent.id == space.id:
                errors.append(Invalid("Spaces nest one level only.", field="parentId"))
            elif space.id is not None and await Space.filter(parent_id=space.id).exists():
                errors.append(Invalid("This space has children, so it cannot have a parent.", field="parentId"))
        space.parent_id = cast(int | None, parent_id)  # not _UNSET here
    if Visibility(space.visibility) is Visibility.PRIVATE and not space.allowed_roles:
        space.allowed_roles = [Role.ADMIN.value]


async def create_space(actor: User | None, data: SpaceInput) -> Space:
    require_role(actor, Role.ADMIN)
    space = Space(name="", slug="", visibility=Visibility.PUBLIC, allowed_roles=[], posting_policy=PostingPolicy.ANYONE)
    errors: list[DomainError] = []
    if data.name is None:
        errors.append(Invalid("Enter a name.", field="name"))
    await _check(space, data, errors)
    collect(errors)
    if await Space.filter(slug=space.slug).exists():
        raise Conflict("Another space has this slug.", field="slug")
    await space.save()
    return space


async def _reindex_spaces(space_ids: list[int]) -> None:
    topic_ids = list(await column(Topic.filter(space_id__in=space_ids), "id"))
    await enqueue("topic", topic_ids)
    if topic_ids:
        await enqueue("post", list(await column(Post.filter(topic_id__in=topic_ids), "id")))


async def update_space(actor: User | None, space_id: int, data: SpaceInput) -> Space:
    require_role(actor, Role.ADMIN)
    space = await Space.filter(id=space_id).first()
    if space is None:
        raise NotFound("No such space.", field="spaceId")
    before = (space.visibility, list(space.allowed_roles or []), space.parent_id)
    errors: list[DomainError] = []
    await _check(space, data, errors)
    collect(errors)
    if await Space.filter(slug=space.slug).exclude(id=space.id).exists():
        raise Conflict("Another space has this slug.", field="slug")
    async with transaction():
        await space.save()
        if (space.visibility, list(space.allowed_roles or []), space.parent_id) != before:
            children = list(await column(Space.filter(parent_id=space.id), "id"))
            await _reindex_spaces([space.id, *children])
            await refresh_spaces([space.id, *children])
    return space


async def delete_space(actor: User | None, space_id: int) -> int:
    """Delete an empty space (no topics, no children)."""
    require_role(actor, Role.ADMIN)
    space = await Space.filter(id=space_id).first()
    if space is None:
        raise NotFound("No such space.", field="spaceId")
    if await Topic.filter(space_id=space.id).exists() or await Space.filter(parent_id=space.id).exists():
        raise Conflict("Move or delete its topics and child spaces first.", field="spaceId")
    await space.delete()
    return space_id
