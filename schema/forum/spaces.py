"""Spaces: listing and admin management."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domain.forum import spaces as domain
from api.models.accounts import Role as RoleModel
from api.models.accounts import Visibility as VisibilityModel
from api.models.forum import PostingPolicy as PostingPolicyModel
from schema.accounts import Payload, Role
from schema.context import Info
from schema.enums import Visibility
from schema.forum import loaders
from schema.forum.enums import PostingPolicy
from schema.forum.types import Space
from schema.permissions import Require, guard
from schema.relay import After, Before, Connection, First, Last, node_global_id, paginate_list, parse_id


@strawberry.input(description="A new space.")
class CreateSpaceInput:
    name: str = strawberry.field(description="Display name, 1-100 characters.")
    slug: str | None = strawberry.field(default=None, description="URL name; derived from the name if omitted.")
    description: str = strawberry.field(default="", description="What the space is for.")
    position: int = strawberry.field(default=0, description="Sort key among siblings.")
    visibility: Visibility = strawberry.field(default=VisibilityModel.PUBLIC, description="Who may see it.")
    allowed_roles: list[Role] | None = strawberry.field(
        default=None, description="Roles that may see a PRIVATE space (admins always may)."
    )
    posting_policy: PostingPolicy = strawberry.field(
        default=PostingPolicyModel.ANYONE, description="Who may start topics."
    )
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="Parent space (one level).")


@strawberry.input(description="Changes to a space; omitted fields stay.")
class UpdateSpaceInput:
    space_id: strawberry.ID = strawberry.field(description="The space.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    slug: str | None = strawberry.field(default=None, description="URL name.")
    description: str | None = strawberry.field(default=None, description="What the space is for.")
    position: int | None = strawberry.field(default=None, description="Sort key among siblings.")
    visibility: Visibility | None = strawberry.field(default=None, description="Who may see it.")
    allowed_roles: list[Role] | None = strawberry.field(default=None, description="Roles for PRIVATE.")
    posting_policy: PostingPolicy | None = strawberry.field(default=None, description="Who may start topics.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New parent space; null makes it top level; omit to keep."
    )


@strawberry.input(description="The empty space to delete.")
class DeleteSpaceInput:
    space_id: strawberry.ID = strawberry.field(description="The space (without topics or children).")


@strawberry.type(description="Result of a space mutation.")
class SpacePayload(Payload):
    space: Space | None = strawberry.field(default=None, description="The space.")


@strawberry.type(description="Result of `deleteSpace`.")
class DeleteSpacePayload(Payload):
    deleted_space_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the deleted space."
    )


def _roles(roles: list | None) -> list[RoleModel] | None:
    return None if roles is None else [RoleModel(r) for r in roles]


@strawberry.type
class Query:
    @strawberry.field(description="Spaces the viewer may see: top-level ones, or the children of `parentId`.")
    async def spaces(
        self,
        info: Info,
        parent_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="List this space's children.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Space]:
        index = await loaders.spaces(info)
        parent = parse_id(parent_id, "Space", "parentId") if parent_id is not None else None
        viewer = info.context.viewer
        rows = sorted(
            (s for s in index.by_id.values() if s.parent_id == parent and index.can_view(viewer, s.id)),
            key=lambda s: (s.position, s.id),
        )
        return paginate_list(info, rows, first=first, after=after, last=last, before=before)

    @strawberry.field(description="A space by slug, if the viewer may see it.")
    async def space(
        self, info: Info, slug: Annotated[str, strawberry.argument(description="The slug.")]
    ) -> Space | None:
        index = await loaders.spaces(info)
        found = next((s for s in index.by_id.values() if s.slug == slug.lower()), None)
        return found if found is not None and index.can_view(info.context.viewer, found.id) else None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a space (admins).")
    @guard(Require.ADMIN)
    async def create_space(
        self, info: Info, input: Annotated[CreateSpaceInput, strawberry.argument(description="A new space.")]
    ) -> SpacePayload:
        space = await domain.create_space(
            info.context.viewer,
            domain.SpaceInput(
                name=input.name,
                slug=input.slug,
                description=input.description,
                position=input.position,
                visibility=VisibilityModel(input.visibility),
                allowed_roles=_roles(input.allowed_roles),
                posting_policy=PostingPolicyModel(input.posting_policy),
                parent_id=parse_id(input.parent_id, "Space", "parentId") if input.parent_id else None,
            ),
        )
        return SpacePayload(space=space)

    @strawberry.mutation(description="Change a space (admins). Changing its visibility re-indexes its content.")
    @guard(Require.ADMIN)
    async def update_space(
        self,
        info: Info,
        input: Annotated[UpdateSpaceInput, strawberry.argument(description="Changes to a space; omitted fields stay.")],
    ) -> SpacePayload:
        changes: dict = {}
        if input.parent_id is not strawberry.UNSET:
            changes["parent_id"] = parse_id(input.parent_id, "Space", "parentId") if input.parent_id else None
        space = await domain.update_space(
            info.context.viewer,
            parse_id(input.space_id, "Space", "spaceId"),
            domain.SpaceInput(
                name=input.name,
                slug=input.slug,
                description=input.description,
                position=input.position,
                visibility=VisibilityModel(input.visibility) if input.visibility is not None else None,
                allowed_roles=_roles(input.allowed_roles),
                posting_policy=PostingPolicyModel(input.posting_policy) if input.posting_policy is not None else None,
                **changes,
            ),
        )
        return SpacePayload(space=space)

    @strawberry.mutation(description="Delete an empty space (admins).")
    @guard(Require.ADMIN)
    async def delete_space(
        self,
        info: Info,
        input: Annotated[DeleteSpaceInput, strawberry.argument(description="The empty space to delete.")],
    ) -> DeleteSpacePayload:
        space_id = await domain.delete_space(info.context.viewer, parse_id(input.space_id, "Space", "spaceId"))
        return DeleteSpacePayload(deleted_space_id=strawberry.ID(node_global_id("Space", space_id)))
