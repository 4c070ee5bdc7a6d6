"""Relay plumbing: model-backed `Node` types and cursor connections over Tortoise querysets.

Resolvers may return Tortoise model instances wherever a `ModelNode` type is expected;
leaf fields then resolve as plain attributes, with no per-field resolver.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Annotated, Any, ClassVar, Generic, TypeVar, cast

import strawberry
from strawberry import relay
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.policy import visible_rows
from schema import keyset
from schema.context import Info
from schema.errors import PublicError

T = TypeVar("T")

_CURSOR_PREFIX = "offset:"

# Described connection arguments: `first: First = None, after: After = None, ...`.
First = Annotated[
    int | None,
    strawberry.argument(
        description="Return at most this many items from the start (default PAGE_SIZE_DEFAULT, at most PAGE_SIZE_MAX)."
    ),
]
After = Annotated[str | None, strawberry.argument(description="Return only items after this cursor.")]
Last = Annotated[
    int | None, strawberry.argument(description="Return at most this many items from the end (at most PAGE_SIZE_MAX).")
]
Before = Annotated[str | None, strawberry.argument(description="Return only items before this cursor.")]


class Row:
    """A row read with `values()` for display only (a hot list's items): the model's columns as
    attributes, `pk` its primary key. Cheaper than a model instance; resolvers reading columns
    (`root.body`, `root.author_id`) take either. Never saved, never handed to a read policy:
    `paginate(..., rows=RowType)` does not prime the by-id loader with them."""

    model: ClassVar[type[Model]]

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    @property
    def pk(self) -> Any:
        return self.__dict__[self.model._meta.pk_attr]

    @classmethod
    def columns(cls) -> list[str]:
        """Every column of the model (foreign keys as `<name>_id`)."""
        return list(cls.model._meta.fields_db_projection)


def row_type(model: type[Model]) -> type[Row]:
    """The `Row` class of `model` (define it once, at import)."""
    return type(f"{model.__name__}Row", (Row,), {"model": model, "__slots__": ()})


class ModelNode(relay.Node):
    """A Relay node whose data is a Tortoise model. Subclasses set `model`; who may see its rows
    is the model's read policy (`api.policy`, declared by the owning domain's manifest), which
    `node(id:)`, `nodes` and lists all ask."""

    model: ClassVar[type[Model]]

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        kind = type(obj)
        return kind is cls.model or isinstance(obj, cls) or (issubclass(kind, Row) and kind.model is cls.model)

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return str(root.pk)

    @classmethod
    async def visible(cls, info: Info, rows: list[Any]) -> list[Any]:
        """The rows this viewer may see, as the model's read policy decides."""
        return await visible_rows(info.context.viewer, rows, info.context.memo)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        ids: list[int | None] = []
        for raw in node_ids:
            try:
                ids.append(int(raw))
            except ValueError:
                ids.append(None)
        loaded = await info.context.loaders.by_id(cls.model).load_many([i for i in ids if i is not None])
        found = iter(loaded)
        rows = [next(found) if i is not None else None for i in ids]
        allowed = {id(r) for r in await cls.visible(info, [r for r in rows if r is not None])}
        result = [r if r is not None and id(r) in allowed else None for r in rows]
        if required and any(r is None for r in result):
            raise PublicError("Some of the requested objects do not exist or are not visible.")
        return result


def node_global_id(type_name: str, pk: Any) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


def decode_global_id(value: str | relay.GlobalID, expected: str | Sequence[str] | None = None) -> tuple[str, int]:
    """(type name, integer id) of a global id, or PublicError when malformed or of another type."""
    try:
        gid = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(str(value))
        pk = int(gid.node_id)
    except Exception:  # noqa: BLE001 - any decoding problem is the client's input
        raise PublicError(f"Malformed id {str(value)[:80]!r}.") from None
    allowed = [expected] if isinstance(expected, str) else expected
    if allowed and gid.type_name not in allowed:
        raise PublicError(f"Expected the id of a {' or '.join(allowed)}, got a {gid.type_name} id.")
    return gid.type_name, pk


# A cursor, or a function making it: most pages are read without cursors, so they are encoded
# (and signed) only when asked.
CursorOrMaker = str | Callable[[], str]


def _cursor_value(cursor: CursorOrMaker | None) -> str | None:
    return cursor if cursor is None or isinstance(cursor, str) else cursor()


@strawberry.type(description="Where a page stands within the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    _start: strawberry.Private[CursorOrMaker | None]
    _end: strawberry.Private[CursorOrMaker | None]

    @strawberry.field(description="Cursor of the first item of the page.")
    def start_cursor(self) -> str | None:
        return _cursor_value(self._start)

    @strawberry.field(description="Cursor of the last item of the page.")
    def end_cursor(self) -> str | None:
        return _cursor_value(self._end)


@strawberry.type(description="An item of a page and its cursor.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    _cursor: strawberry.Private[CursorOrMaker]

    @strawberry.field(description="Opaque position of the item, for `after`/`before`.")
    def cursor(self) -> str:
        return cast(str, _cursor_value(self._cursor))


@strawberry.type(description="A page of a list, with cursors (Relay connection).")
class Connection(Generic[T]):
    # The items and the cursor of each (by index): edges are made only when asked (most pages
    # are read through `nodes`).
    _items: strawberry.Private[list[Any]]
    _cursors: strawberry.Private[Callable[[int], CursorOrMaker]]
    _count: strawberry.Private[Callable[[], Awaitable[int]] | int]
    _page_info: strawberry.Private[PageInfo]

    @strawberry.field(description="The items of the page with their cursors.")
    def edges(self) -> list[Edge[T]]:
        cursors = self._cursors
        return [Edge(node=item, _cursor=cursors(i)) for i, item in enumerate(self._items)]

    @strawberry.field(description="Position of the page in the list.")
    def page_info(self) -> PageInfo:
        return self._page_info

    @strawberry.field(description="The number of items in the whole list.")
    async def total_count(self) -> int:
        if isinstance(self._count, int):
            return self._count
        return await self._count()

    @strawberry.field(description="The items of the page (shortcut for `edges { node }`).")
    def nodes(self) -> list[T]:
        return self._items

    def items(self) -> list[Any]:
        """The items of the page (for a resolver prefetching what they need); read only: the
        cursors are made from this list, `map_items` shows other items in a new one."""
        return self._items

    def map_items(self, fn: Callable[[Any], Any]) -> None:
        """Show `fn(item)` in place of each item; cursors stay those of the rows read."""
        self._items = [fn(item) for item in self._items]


def encode_cursor(offset: int) -> str:
    """An offset cursor: for in-memory lists and rankings computed elsewhere (search relevance)."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError
        offset = int(text[len(_CURSOR_PREFIX) :])
        if offset < 0:
            raise ValueError
        return offset
    except Exception:  # noqa: BLE001
        raise PublicError("Invalid cursor.") from None


def _check_sizes(info: Info, first: int | None, last: int | None) -> None:
    settings = info.context.settings
    for name, value in (("first", first), ("last", last)):
        if value is not None and (value < 0 or value > settings.page_size_max):
            raise PublicError(f"`{name}` must be between 0 and {settings.page_size_max}.")
    if first is not None and last is not None:
        raise PublicError("Pass `first` or `last`, not both.")


def _window(
    info: Info, first: int | None, after: str | None, last: int | None, before: str | None
) -> tuple[int, int | None, int | None]:
    """(start offset, stop offset or None, last) from Relay arguments, page size capped."""
    _check_sizes(info, first, last)
    start = decode_cursor(after) + 1 if after else 0
    stop = decode_cursor(before) if before else None
    if first is None and last is None:
        first = info.context.settings.page_size_default
    if first is not None:
        stop = start + first if stop is None else min(stop, start + first)
    return start, stop, last


def _page(
    rows: Sequence[Any], start: int, has_next: bool, has_prev: bool, count: Callable[[], Awaitable[int]] | int
) -> Connection[Any]:
    return _connection(list(rows), lambda i: encode_cursor(start + i), has_next, has_prev, count)


def _connection(
    items: list[Any],
    cursors: Callable[[int], CursorOrMaker],
    has_next: bool,
    has_prev: bool,
    count: Callable[[], Awaitable[int]] | int,
) -> Connection[Any]:
    return Connection(
        _page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_prev,
            _start=cursors(0) if items else None,
            _end=cursors(len(items) - 1) if items else None,
        ),
        _items=items,
        _cursors=cursors,
        _count=count,
    )


async def paginate(
    info: Info,
    queryset: QuerySet,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    prime: bool = True,
    rows: type[Row] | None = None,
) -> Connection[Any]:
    """One page of an ordered queryset in one query (plus a COUNT only if `totalCount` is asked).

    Cursors are keyset positions (`schema.keyset`): the values of the queryset's sort keys and the
    id of the item, signed. A page is "the rows after (before) this position", so rows inserted,
    deleted or reordered between two fetches are never skipped nor shown twice, and page 100 costs
    what page 1 costs. The id is added to the ordering as the last tie-breaker.

    Prefetch what the page's fields need on `queryset` (`select_related`, `prefetch_related`)
    before calling, so the cost of a page does not grow with its size. With `rows`, the page is read
    with `values()` into that `Row` type (items only displayed: no model instance built)."""
    _check_sizes(info, first, last)
    order = keyset.ordering_of(queryset)
    codec = keyset.Codec(info.context.settings, queryset.model, order)
    query = queryset
    if after:
        query = query.filter(keyset.beyond(query, order, codec.decode(after)))
    if before:
        query = query.filter(keyset.beyond(query, keyset.reverse(order), codec.decode(before)))
    backwards = last is not None
    size = last if backwards else (first if first is not None else info.context.settings.page_size_default)
    assert size is not None
    items: list[Any] = []
    if size:
        window = query.order_by(*keyset.order_strings(keyset.reverse(order) if backwards else order)).limit(size + 1)
        if rows is None:
            items = list(await window)
        else:
            items = [rows(values) for values in await window.values(*rows.columns())]
    more = len(items) > size
    items = items[:size]
    if backwards:
        items.reverse()
    if prime and items and isinstance(items[0], Model):
        info.context.loaders.prime(type(items[0]), items)
    if items:
        keyset.values_of(items[0], order)  # a sort key the rows cannot give fails here, not in a later cursor
    cursors = partial(_row_cursor, codec, items, order)
    # Querysets are immutable (each call returns a copy), so `count` sees the unpaginated list.
    if backwards:
        return _connection(items, cursors, before is not None, more, queryset.count)
    return _connection(items, cursors, more, after is not None, queryset.count)


def _row_cursor(codec: keyset.Codec, rows: list[Any], order: keyset.Ordering, index: int) -> CursorOrMaker:
    """The cursor of the row at `index` of the rows read, made only when a cursor is asked (most
    pages are read without)."""
    return partial(_encode_row, codec, rows[index], order)


def _encode_row(codec: keyset.Codec, row: Any, order: keyset.Ordering) -> str:
    return codec.encode(keyset.values_of(row, order))


def paginate_list(
    info: Info,
    items: Sequence[Any],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[Any]:
    """A page of an in-memory list (already loaded through a DataLoader)."""
    start, stop, last = _window(info, first, after, last, before)
    total = len(items)
    stop = total if stop is None else min(stop, total)
    if last is not None:
        start = max(start, stop - last)
    rows = list(items[start:stop])
    return _page(rows, start, stop < total, start > 0, total)


def parse_id(value: str | relay.GlobalID, type_names: str | Sequence[str], field: str) -> int:
    """The database id behind a global id given as mutation input; a bad one is a field error."""
    from api.errors import Invalid

    try:
        return decode_global_id(value, type_names)[1]
    except PublicError as exc:
        raise Invalid(str(exc), field=field) from None


def selected_node_fields(info: Info) -> set[str]:
    """GraphQL names of the fields selected on the items of the connection being resolved
    (under `nodes { }` or `edges { node { } }`, fragments included): what a list resolver
    should prefetch."""
    names: set[str] = set()

    def walk(selections: Iterable[Any], depth: int) -> None:
        for selection in selections:
            inner = getattr(selection, "selections", None) or []
            name = getattr(selection, "name", None)
            if name is None:  # inline fragment or fragment spread: same level
                walk(inner, depth)
            elif depth == 0 and name in ("nodes", "edges"):
                walk(inner, 1 if name == "nodes" else 2)
            elif depth == 2 and name == "node":
                walk(inner, 1)
            elif depth == 1:
                names.add(name)

    for field in info.selected_fields:
        walk(field.selections, 0)
    return names
