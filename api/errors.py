"""Expected failures of domain rules. The GraphQL layer turns them into `UserError`s.

Anything else raised by a domain function is a bug and reaches clients masked.
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    TOO_LARGE = "TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    LOCKED = "LOCKED"
    CLOSED = "CLOSED"
    SANCTIONED = "SANCTIONED"
    UNAVAILABLE = "UNAVAILABLE"


class DomainError(Exception):
    """An expected failure: it carries a code, a message for people, and the input field at fault."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None, code: ErrorCode | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class Invalid(DomainError):
    code = ErrorCode.INVALID


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED


class Sanctioned(DomainError):
    code = ErrorCode.SANCTIONED


class ValidationErrors(DomainError):
    """Several field errors found at once (a form with more than one bad field)."""

    def __init__(self, errors: list[DomainError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def collect(errors: list[DomainError]) -> None:
    """Raise the collected field errors, if any."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ValidationErrors(errors)
