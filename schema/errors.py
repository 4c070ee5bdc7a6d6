"""Expected failures as data (`UserError`), and errors that stay readable when masked."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from api.errors import DomainError, ErrorCode as _ErrorCode, ValidationErrors

ErrorCode = strawberry.enum(
    _ErrorCode, name="ErrorCode", description="Why a mutation was refused."
)


@strawberry.type(description="An expected failure of a mutation: bad input, no right, a conflict.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), or null for the whole input."
    )
    code: ErrorCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="Human-readable explanation.")


def user_errors(exc: DomainError) -> list[UserError]:
    items = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    return [UserError(field=e.field, code=e.code, message=e.message) for e in items]


class PublicError(Exception):
    """An error on a query whose message is meant for the client (never masked)."""


def should_mask_error(error: GraphQLError) -> bool:
    """Mask only bugs: validation, limit and `PublicError`s stay readable."""
    original = error.original_error
    if original is None:
        return False  # syntax, validation and limit errors carry no original exception
    return not isinstance(original, (PublicError, DomainError))
