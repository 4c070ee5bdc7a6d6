"""Typed domain events and decision questions, so domains react to each other without importing
each other's rules (engagement awards points on forum events; moderation holds content).

An event is a frozen dataclass subclassing `Event` with a catalogue `name`; the domain that emits
it lists it in its manifest's `events`, and domains that react list `on(EventType, handler)` in
their manifest's `handlers`; a handler is `async def handler(event, settings)` (the settings in
force, community overrides included). `emit(event)` runs the handlers after the current
transaction commits (see `api.transactions`); a failing handler is logged and never fails the write. An event
with no handler must be marked `public` (announced for integrations): a test checks it.
`docs/events.md` is generated from the code (`guildhall export-events`).

A question (`Question[T]` subclass, also a frozen dataclass) is asked before a write with
`await decide(question, settings)`: its one registered decider (`async def decider(question,
settings)`) answers, or the question's `default` when none is registered. Errors propagate: a decision that cannot be made is never silently skipped.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

from api.registry import registry
from api.settings import Settings, effective_settings
from api.transactions import after_commit

log = logging.getLogger(__name__)

E = TypeVar("E", bound="Event")
T = TypeVar("T")


class Event:
    """Base of domain events. Subclasses are `@dataclass(frozen=True)` and set `name`
    ("domain.what_happened") and, for events meant for outside listeners, `public = True`."""

    name: ClassVar[str] = ""
    public: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            raise TypeError(f"event {cls.__qualname__} needs a catalogue `name`")

    def fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]  # every Event subclass is a dataclass


HandlerFn = Callable[[E, Settings], Awaitable[Any]]


@dataclass(frozen=True)
class Handler(Generic[E]):
    event: type[E]
    fn: HandlerFn[E]


def on(event: type[E], fn: HandlerFn[E]) -> Handler[E]:
    """A manifest entry: run `fn(event, settings)` after each committed `event`."""
    return Handler(event, fn)


async def emit(event: Event) -> None:
    """Announce `event` to its handlers once the current transaction commits."""
    await after_commit(lambda: dispatch(event))


async def dispatch(event: Event, settings: Settings | None = None) -> None:
    """Run the handlers of `event` now, in manifest order."""
    settings = settings or effective_settings()
    for handler in registry().handlers_of(type(event)):
        try:
            await handler.fn(event, settings)
        except Exception:  # reactions must not fail the write that caused them
            log.exception("handler %s of %s failed", handler.fn.__qualname__, event.name)
    for observer in registry().observers:  # domains hearing every event (engagement: event badges)
        try:
            await observer(event, settings)
        except Exception:
            log.exception("observer %s of %s failed", observer.__qualname__, event.name)


class Question(Generic[T]):
    """Base of decision questions (frozen dataclasses); `default` answers when nobody decides."""

    default: ClassVar[Any] = None


@dataclass(frozen=True)
class Decider(Generic[T]):
    question: type[Question[T]]
    fn: Callable[[Question[T], Settings], Awaitable[T]]


def decider(question: type[Question[T]], fn: Callable[[Any, Settings], Awaitable[T]]) -> Decider[T]:
    """A manifest entry: `fn(question, settings)` answers `question` (one decider per question)."""
    return Decider(question, fn)


async def decide(question: Question[T], settings: Settings | None = None) -> T:
    found = registry().decider_of(type(question))
    if found is None:
        return cast(T, type(question).default)
    answer: T = await found.fn(question, settings or effective_settings())
    return answer


def catalogue(
    events: dict[str, type[Event]],
    handlers_of: Callable[[type[Event]], tuple[Handler[Any], ...]],
    owners: dict[str, str],
    histories: Mapping[str, Any] | None = None,
) -> str:
    """The events catalogue as Markdown (written to `docs/events.md` by `guildhall export-events`)."""
    lines = [
        "# Domain events",
        "",
        "Generated from the code by `guildhall export-events`; do not edit. Each event is a frozen",
        "dataclass emitted after its transaction commits (`api.events`). *Public* events are announced",
        "for integrations and may have no handler inside Guildhall.",
        "",
    ]
    for name in sorted(events):
        event = events[name]
        fields = ", ".join(f"`{f.name}`" for f in dataclasses.fields(event))  # type: ignore[arg-type]  # every Event subclass is a dataclass
        handled = ", ".join(f"`{h.fn.__module__}.{h.fn.__qualname__}`" for h in handlers_of(event)) or "none"
        lines += [
            f"## `{name}`{' (public)' if event.public else ''}",
            "",
            (event.__doc__ or "").strip(),
            "",
            f"- class: `{event.__module__}.{event.__qualname__}` (declared by the `{owners[name]}` domain)",
            f"- fields: {fields}",
            f"- handled by: {handled}",
            "- badge history: "
            + (
                "declared (EVENT badges reach members who already qualify; counts are read from it)"
                if name in (histories or {})
                else "none (EVENT badges count it from their creation on)"
            ),
            "",
        ]
    return "\n".join(lines)
