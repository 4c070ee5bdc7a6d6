"""Read policies: who may see rows of each node type, declared by the owning domain's manifest
(`read_policies=`) and used by every path that shows rows: `node(id:)`/`nodes`, lists,
subscriptions, search scopes, media access and the domain writes.

A policy has two faces of one rule, kept in agreement by a test (as Discourse's guardian and its
list scopes):
- `scope(viewer, memo)`: every row the viewer may see, as a queryset (lists narrow it further);
- `filter(viewer, rows, memo)`: which of these loaded rows the viewer may see, at a fixed number of
  queries whatever the number of rows (node lookups, subscription events).
When only `scope` is given, `filter` asks the scope which ids remain (one query). A type that is
never listed as a whole (media files: members list only their own) may give `filter` alone.

`memo` is the operation's memo (`Context.memo` in GraphQL): facts about the viewer loaded once per
operation (spaces, committee seats). Pass `{}` outside a request. The viewer is the member as they
are now: the API re-reads them for every operation and every subscription event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.db import column
from api.models.accounts import User
from api.policies import is_staff
from api.registry import registry

M = TypeVar("M", bound=Model)
Viewer = User | None
Memo = dict[str, Any]
Scope = Callable[[Viewer, Memo], Awaitable[QuerySet[Any]]]
Filter = Callable[[Viewer, list[Any], Memo], Awaitable[list[Any]]]


@dataclass(frozen=True)
class ReadPolicy(Generic[M]):
    model: type[M]
    scope: Scope | None
    filter_rows: Filter | None = None
    doc: str = ""

    def __post_init__(self) -> None:
        if self.scope is None and self.filter_rows is None:
            raise ValueError(f"the read policy of {self.model.__name__} needs a scope or a filter")

    async def filter(self, viewer: Viewer, rows: list[M], memo: Memo) -> list[M]:
        if not rows:
            return []
        if self.filter_rows is not None:
            return await self.filter_rows(viewer, rows, memo)
        assert self.scope is not None  # __post_init__ guarantees one of the two
        query = await self.scope(viewer, memo)
        allowed = set(await column(query.filter(id__in=[r.pk for r in rows]), "id"))
        return [r for r in rows if r.pk in allowed]


class NoPolicy(LookupError):
    """A model has no read policy: nothing may show its rows."""


def policy_of(model: type[M]) -> ReadPolicy[M]:
    try:
        return registry().read_policies[model]
    except KeyError:
        raise NoPolicy(f"no manifest declares a read policy of {model.__name__}") from None


async def visible_rows(viewer: Viewer, rows: list[M], memo: Memo | None = None) -> list[M]:
    """The rows (all of one model) that the viewer may see, in their order."""
    if not rows:
        return []
    return await policy_of(type(rows[0])).filter(viewer, rows, {} if memo is None else memo)


async def can_view(viewer: Viewer, row: Model, memo: Memo | None = None) -> bool:
    return bool(await visible_rows(viewer, [row], memo))


async def visible(model: type[M], viewer: Viewer, memo: Memo | None = None) -> QuerySet[M]:
    """Every row of `model` the viewer may see (lists start here and narrow)."""
    scope = policy_of(model).scope
    if scope is None:
        raise NoPolicy(f"{model.__name__} rows are not listable as a whole")
    return await scope(viewer, {} if memo is None else memo)


# Ready-made policies for the common shapes.


def everyone(model: type[M], doc: str = "Everyone, anonymous visitors included.") -> ReadPolicy[M]:
    async def scope(viewer: Viewer, memo: Memo) -> QuerySet[M]:
        return model.all()

    async def rows(viewer: Viewer, found: list[M], memo: Memo) -> list[M]:
        return found

    return ReadPolicy(model, scope, rows, doc)


def staff_only(model: type[M], doc: str = "Moderators and admins.") -> ReadPolicy[M]:
    async def scope(viewer: Viewer, memo: Memo) -> QuerySet[M]:
        return model.all() if is_staff(viewer) else model.filter(id__in=[])

    async def rows(viewer: Viewer, found: list[M], memo: Memo) -> list[M]:
        return found if is_staff(viewer) else []

    return ReadPolicy(model, scope, rows, doc)


def owner_or_staff(model: type[M], *owner_fields: str, doc: str = "") -> ReadPolicy[M]:
    """Rows whose `owner_fields` (any of them) name the viewer, and every row for staff."""
    fields = owner_fields or ("user_id",)

    async def scope(viewer: Viewer, memo: Memo) -> QuerySet[M]:
        if viewer is None:
            return model.filter(id__in=[])
        if is_staff(viewer):
            return model.all()
        owned: list[dict[str, Any]] = [{name: viewer.id} for name in fields]
        return model.filter(Q(*(Q(**match) for match in owned), join_type="OR"))

    async def rows(viewer: Viewer, found: list[M], memo: Memo) -> list[M]:
        if viewer is None:
            return []
        if is_staff(viewer):
            return found
        return [r for r in found if any(getattr(r, name) == viewer.id for name in fields)]

    return ReadPolicy(model, scope, rows, doc or f"The member named by {', '.join(fields)}, and staff.")


def owner_only(model: type[M], owner_field: str = "user_id", doc: str = "") -> ReadPolicy[M]:
    async def scope(viewer: Viewer, memo: Memo) -> QuerySet[M]:
        return model.filter(id__in=[]) if viewer is None else model.filter(**{owner_field: viewer.id})

    async def rows(viewer: Viewer, found: list[M], memo: Memo) -> list[M]:
        return [] if viewer is None else [r for r in found if getattr(r, owner_field) == viewer.id]

    return ReadPolicy(model, scope, rows, doc or f"Only the member named by {owner_field}.")


def through(model: type[M], parent: type[Model], parent_field: str, doc: str = "") -> ReadPolicy[M]:
    """Rows seen exactly when the row they belong to (`parent_field` names its id) is seen."""

    async def scope(viewer: Viewer, memo: Memo) -> QuerySet[M]:
        parents = await visible(parent, viewer, memo)
        return model.filter(**{f"{parent_field}__in": Subquery(parents.values("id"))})

    async def rows(viewer: Viewer, found: list[M], memo: Memo) -> list[M]:
        ids = list({getattr(r, parent_field) for r in found})
        loaded = await parent.filter(id__in=ids)
        seen = {p.pk for p in await policy_of(parent).filter(viewer, list(loaded), memo)}
        return [r for r in found if getattr(r, parent_field) in seen]

    return ReadPolicy(model, scope, rows, doc or f"Whoever may see its {parent.__name__}.")


def ids_of(rows: Iterable[Model]) -> list[Any]:
    return [r.pk for r in rows]
