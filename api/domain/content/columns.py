"""A `ContentType` for models that carry moderation in two columns: `hidden` (shown only to the
author and staff, see `api.policies.shown_q`) and `deleted_at` (soft delete: shown to nobody, kept
for the record, e.g. a proposal's ballots). Polls, surveys, events and proposals use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tortoise.models import Model

from api.db import column
from api.domain.content import Action, ContentRef, ContentType
from api.policy import can_view
from api.timeutil import now


def column_content_type(
    name: str,
    model: type[Model],
    *,
    author_field: str,
    title: Callable[[Any], str],
    text: Callable[[Any], str],
    publish: Action | None = None,
    delete: Action | None = None,
) -> ContentType:
    """`name` is the GraphQL type name; `title` and `text` label an item in the review queue.
    Types whose items can be held (a `held` column) give `publish`; `delete` replaces the soft delete."""

    async def load(ids: list[int]) -> dict[int, ContentRef]:
        return {
            row.pk: ContentRef(
                content_type=name,
                id=row.pk,
                author_id=getattr(row, author_field),
                title=title(row)[:80],
                text=text(row),
                hidden=getattr(row, "hidden", False),
                deleted=getattr(row, "deleted_at", None) is not None,
                held=getattr(row, "held", False),
            )
            for row in await model.filter(id__in=ids)
        }

    async def hide(item_id: int, _moderator_id: int | None) -> None:
        await model.filter(id=item_id).update(hidden=True)

    async def unhide(item_id: int, _moderator_id: int | None) -> None:
        await model.filter(id=item_id).update(hidden=False)

    async def soft_delete(item_id: int, _moderator_id: int | None) -> None:
        await model.filter(id=item_id, deleted_at__isnull=True).update(deleted_at=now())

    async def can_see(viewer: Any, item_id: int) -> bool:
        """The type's read policy: members report only what they can see."""
        row = await model.filter(id=item_id).first()
        return row is not None and await can_view(viewer, row)

    async def authored(user_id: int) -> list[int]:
        mine: dict[str, Any] = {author_field: user_id}
        return await column(model.filter(**mine, deleted_at__isnull=True), "id")

    return ContentType(
        name=name,
        load=load,
        hide=hide,
        unhide=unhide,
        delete=delete or soft_delete,
        publish=publish,
        can_see=can_see,
        authored=authored,
    )
