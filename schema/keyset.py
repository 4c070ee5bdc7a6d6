"""Keyset cursors: a position in an ordered queryset, as the sort key values and the id of a row.

`paginate` asks for "the rows after (before) this position", one WHERE clause and a LIMIT, instead
of an OFFSET: rows inserted, deleted or moved between two page fetches are neither skipped nor
repeated, and a deep page costs what the first one does.

A cursor is `base64(json(values)).signature`: the signature (HMAC of the list's model and ordering
and the values, with the deployment's signing key) makes it opaque and binds it to its list, so a
forged, truncated or foreign cursor is refused with a clear error, and the values it carries can be
trusted to have the types of their columns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from pypika_tortoise import Order
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.settings import Settings
from schema.errors import PublicError

Ordering = list[tuple[str, bool]]  # (field, descending)

_KEYS: dict[tuple[str, str], bytes] = {}


def ordering_of(queryset: QuerySet) -> Ordering:
    """The queryset's ordering (its model's default when it has none), ending with the primary
    key so that every row has a distinct position."""
    model = queryset.model
    order: Ordering = [(field, direction == Order.desc) for field, direction in queryset._orderings]
    if not order:
        order = [(field, direction == Order.desc) for field, direction in model._meta.ordering or ()]
    pk = model._meta.pk_attr
    if not any(field in (pk, "pk") for field, _ in order):
        order.append((pk, order[-1][1] if order else False))
    return order


def reverse(order: Ordering) -> Ordering:
    return [(field, not descending) for field, descending in order]


def order_strings(order: Ordering) -> list[str]:
    return [f"-{field}" if descending else field for field, descending in order]


def values_of(row: Any, order: Ordering) -> tuple[Any, ...]:
    """The sort key values of a loaded row (a model, with `select_related` for `a__b` keys, or a dict)."""
    values = []
    for field, _ in order:
        if isinstance(row, dict):
            values.append(row[field])
            continue
        value: Any = row
        for part in field.split("__"):
            value = getattr(value, part, None) if part != "pk" else value.pk
        if isinstance(value, (QuerySet, Model)) or callable(getattr(value, "all", None)):
            raise TypeError(
                f"Cannot read the sort key {field!r} from a {type(row).__name__}: order by columns "
                "of the row or of `select_related` rows."
            )
        values.append(value)
    return tuple(values)


def _nulls_large(queryset: QuerySet) -> bool:
    """Whether NULL sorts after every value in ascending order (PostgreSQL) or before (SQLite, MySQL)."""
    return queryset._choose_db().capabilities.dialect not in ("sqlite", "mysql")


def _nullable(model: type[Model], field: str) -> bool:
    meta = model._meta
    for part in field.split("__")[:-1]:
        related = meta.fields_map.get(part)
        target: type[Model] | None = getattr(related, "related_model", None)
        if related is None or target is None or related.null:
            return True
        meta = target._meta
    last = meta.fields_map.get(field.split("__")[-1])
    return last is None or bool(getattr(last, "null", False))


def beyond(queryset: QuerySet, order: Ordering, values: tuple[Any, ...]) -> Q:
    """The rows strictly after `values` in `order`: k1 > v1 OR (k1 = v1 AND (k2 > v2 OR ...)),
    with NULLs where the database sorts them."""
    nulls_large = _nulls_large(queryset)
    condition: Q | None = None  # nothing after the last key (the id: positions are distinct)
    for (field, descending), value in reversed(list(zip(order, values, strict=True))):
        nulls_last = nulls_large != descending
        if value is None:
            after = None if nulls_last else Q(**{f"{field}__isnull": False})
            equal = Q(**{f"{field}__isnull": True})
        else:
            after = Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
            if nulls_last and _nullable(queryset.model, field):
                after = Q(after, Q(**{f"{field}__isnull": True}), join_type="OR")
            equal = Q(**{field: value})
        tail = Q(equal, condition) if condition is not None else None
        parts = [part for part in (after, tail) if part is not None]
        condition = (parts[0] if len(parts) == 1 else Q(*parts, join_type="OR")) if parts else None
    return condition if condition is not None else Q(**{f"{order[-1][0]}__isnull": True}, **{order[-1][0]: 0})


def _dump(value: Any) -> Any:
    if value is None or (isinstance(value, (bool, int, float, str)) and not isinstance(value, Enum)):
        return value
    if isinstance(value, Enum):
        return _dump(value.value)
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, time):
        return {"h": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, UUID):
        return {"u": str(value)}
    if isinstance(value, timedelta):
        return {"s": value.total_seconds()}
    raise TypeError(f"Cannot put a {type(value).__name__} in a cursor.")


def _load(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((tag, text),) = value.items()
    return {
        "t": datetime.fromisoformat,
        "d": date.fromisoformat,
        "h": time.fromisoformat,
        "n": Decimal,
        "u": UUID,
        "s": lambda s: timedelta(seconds=s),
    }[tag](text)


class Codec:
    """Encodes and checks the cursors of one list (a model in one ordering)."""

    def __init__(self, settings: Settings, model: type[Model], order: Ordering) -> None:
        cache_key = (settings.secret_key, str(settings.data_dir))
        key = _KEYS.get(cache_key)
        if key is None:
            key = _KEYS[cache_key] = hashlib.sha256(b"guildhall cursor\0" + settings.signing_key).digest()
        self._mac = hmac.new(key, f"{model._meta.db_table}:{','.join(order_strings(order))}\0".encode(), hashlib.sha256)
        self._size = len(order)

    def _sign(self, payload: bytes) -> str:
        mac = self._mac.copy()
        mac.update(payload)
        return base64.urlsafe_b64encode(mac.digest()[:12]).decode()

    def encode(self, values: tuple[Any, ...]) -> str:
        payload = (
            base64.urlsafe_b64encode(json.dumps([_dump(v) for v in values], separators=(",", ":")).encode())
            .decode()
            .rstrip("=")
        )
        return f"{payload}.{self._sign(payload.encode())}"

    def decode(self, cursor: str) -> tuple[Any, ...]:
        try:
            payload, signature = cursor.split(".")
            if not hmac.compare_digest(signature, self._sign(payload.encode())):
                raise ValueError
            values = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            if not isinstance(values, list) or len(values) != self._size:
                raise ValueError
            return tuple(_load(v) for v in values)
        except Exception:  # noqa: BLE001 - any decoding problem is the client's input
            raise PublicError("Invalid cursor.") from None
