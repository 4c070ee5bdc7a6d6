"""Validation of member-written text fields, the same in every domain.

- `line`: one-line texts (titles, names, subjects, options, tags, short reasons): surrounding
  whitespace stripped and every run of whitespace (newlines included) made one space.
- `block`: multi-line texts (Markdown bodies, messages, bios, notes): line endings made `\\n`,
  surrounding whitespace stripped, the text otherwise kept as written.
- `tags`: `line`s lower-cased, without repeats; a tag never holds a comma (clients split on them).
- `options_problem`: the options of a vote, poll or survey question (`one_line` each): at least two,
  none empty, all different (case-insensitive).

Control characters (other than newlines and tabs in blocks) are refused: they have no business in
text and hide content from moderators. Limits are counted in characters. Each function raises
`Invalid` with the field, or appends to `errors` and returns the cleaned value, so a form can
report every bad field at once (`api.errors.collect`).
"""

from __future__ import annotations

import re

from api.errors import DomainError, Invalid

# A link written in text: with a scheme, or starting with www. (what spammers paste).
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # \t \n \v \f \r are whitespace in a line


def _fail(error: Invalid, errors: list[DomainError] | None) -> None:
    if errors is None:
        raise error
    errors.append(error)


def one_line(value: str | None) -> str:
    """`value` as a one-line text is stored: stripped, each run of whitespace one space (unchecked)."""
    return " ".join((value or "").split())


def line(
    value: str | None,
    field: str,
    limit: int,
    *,
    required: bool = True,
    what: str = "this",
    errors: list[DomainError] | None = None,
) -> str:
    """A one-line text: stripped, whitespace runs made one space, at most `limit` characters."""
    raw = value or ""
    if _LINE_CONTROL.search(raw):
        _fail(Invalid("Remove the control characters.", field=field), errors)
        return ""
    text = one_line(raw)
    if required and not text:
        _fail(Invalid(f"Enter {what}.", field=field), errors)
    elif len(text) > limit:
        _fail(Invalid(f"Use at most {limit} characters.", field=field), errors)
    return text


def block(
    value: str | None,
    field: str,
    limit: int,
    *,
    required: bool = True,
    what: str = "the text",
    errors: list[DomainError] | None = None,
) -> str:
    """A multi-line text: `\\n` line endings, stripped, at most `limit` characters."""
    raw = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(raw):
        _fail(Invalid("Remove the control characters.", field=field), errors)
        return ""
    text = raw.strip()
    if required and not text:
        _fail(Invalid(f"Write {what}.", field=field), errors)
    elif len(text) > limit:
        _fail(Invalid(f"Use at most {limit} characters.", field=field), errors)
    return text


def tags(
    values: list[str] | None, field: str, *, max_count: int, max_length: int, errors: list[DomainError] | None = None
) -> list[str]:
    """Tags: one-line, lower-cased, without repeats or commas; at most `max_count`."""
    cleaned = list(dict.fromkeys(" ".join(v.split()).lower() for v in values or [] if v.strip()))
    if len(cleaned) > max_count:
        _fail(Invalid(f"Use at most {max_count} tags.", field=field), errors)
    elif any(len(t) > max_length or "," in t or _LINE_CONTROL.search(t) for t in cleaned):
        _fail(Invalid(f"Tags have at most {max_length} characters and no commas.", field=field), errors)
    return cleaned


def options_problem(options: list[str], *, max_count: int, max_length: int) -> str | None:
    """What is wrong with the options of a vote, poll or survey question (each already `one_line`),
    or None."""
    if len(options) < 2:
        return "List at least two options."
    if len(options) > max_count:
        return f"List at most {max_count} options."
    if any(not o for o in options):
        return "Options cannot be empty."
    if any(_LINE_CONTROL.search(o) for o in options):
        return "Remove the control characters."
    if any(len(o) > max_length for o in options):
        return f"Use at most {max_length} characters per option."
    if len({o.casefold() for o in options}) != len(options):
        return "Options must differ from each other."
    return None
