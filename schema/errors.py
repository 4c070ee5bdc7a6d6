"""Expected failures as data (`UserError`), and errors that stay readable when masked."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from api.errors import DomainError, ValidationErrors
from api.errors import ErrorCode as _ErrorCode
from api.request_info import current as current_request
from schema.enums import described_enum

ErrorCode = _ErrorCode
described_enum(
    ErrorCode,
    name="ErrorCode",
    description="Why a mutation was refused.",
    values={
        "INVALID": "The input is malformed, empty, too long or otherwise unacceptable.",
        "NOT_FOUND": "The object does not exist or the viewer may not see it.",
        "FORBIDDEN": "The viewer is signed in but lacks the right to do this.",
        "UNAUTHENTICATED": "Sign in first, or the credentials are wrong.",
        "CONFLICT": "The change clashes with the current state (taken name, duplicate, race).",
        "RATE_LIMITED": "Too many attempts; try again later.",
        "TOO_LARGE": "The upload or body is larger than allowed.",
        "UNSUPPORTED_MEDIA_TYPE": "The upload is of a type that is not accepted.",
        "QUOTA_EXCEEDED": "The member's storage or usage quota is used up.",
        "LOCKED": "The object is locked against changes.",
        "CLOSED": "The object is closed (a thread, poll or vote) and takes no more input.",
        "SANCTIONED": "The viewer is muted or banned.",
        "UNAVAILABLE": "A service this needs does not answer; try again later.",
    },
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
    if (info := current_request()) is not None:  # for logs and metrics
        info.user_error_codes.extend(e.code.value for e in items)
    return [UserError(field=e.field, code=e.code, message=e.message) for e in items]


class PublicError(Exception):
    """An error on a query whose message is meant for the client (never masked)."""


def should_mask_error(error: GraphQLError) -> bool:
    """Mask only bugs: validation, limit and `PublicError`s stay readable."""
    original = error.original_error
    if original is None:
        return False  # syntax, validation and limit errors carry no original exception
    # Variable coercion errors (e.g. an unknown enum value) wrap a GraphQLError meant for clients.
    return not isinstance(original, (PublicError, DomainError, GraphQLError))
