"""The domain registry: every domain declares what it offers in one `Domain(...)` manifest, and
`load()` reads the manifests listed in `api.domains.INSTALLED`, once, in order.

Learned from Django's app registry: nothing depends on which module happened to be imported
first, and registering anything twice raises. The app, the CLI and the tests call `load()` at
start-up; everything else asks `registry()` (which refuses to answer before `load()`).

A manifest names its Tortoise models (its own app label), its schema module (by dotted path:
`api/` never imports strawberry), and the pieces other parts of Guildhall run on its behalf:
periodic jobs, event handlers, deciders, moderatable content types, search document kinds, media
readers, node read policies, CLI commands, start-up hooks and the demo seeder.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.domain.content import ContentType
    from api.events import Decider, Event, Handler
    from api.policy import ReadPolicy
    from api.settings import Settings
    from search.registry import DocumentKind

JobFn = Callable[["Settings"], Awaitable[Any]]
Seeder = Callable[["Settings", dict[str, Any]], Awaitable[None]]
StartupHook = Callable[["Settings"], Awaitable[None]]
# (viewer, private files) -> ids of those the viewer may read through what they are attached to.
MediaReader = Callable[[Any, list[Any]], Awaitable[set[int]]]


@dataclass(frozen=True)
class Job:
    """A periodic background job. It must be correct when several app processes run it at once
    (claim work with conditional updates or row locks). It returns a truthy value when it
    changed data, which invalidates cached public reads."""

    name: str
    run: JobFn
    # seconds, or a function of the settings giving them; None: SCHEDULER_INTERVAL_SECONDS
    interval: float | Callable[[Settings], float] | None = None

    def seconds(self, settings: Settings) -> float:
        if callable(self.interval):
            return self.interval(settings)
        return self.interval or settings.scheduler_interval_seconds


@dataclass(frozen=True)
class Command:
    """A `guildhall <name>` sub-command: `configure` adds its arguments, `run` does the work and
    returns the exit code (use `api.cli.with_db` for database work)."""

    name: str
    help: str
    run: Callable[[argparse.Namespace, Settings], int]
    configure: Callable[[argparse.ArgumentParser], None] | None = None


@dataclass(frozen=True)
class OutboxProbe:
    """A transactional outbox shown in /metrics: `measure()` returns the rows waiting and the
    creation time of the oldest (None when empty)."""

    name: str
    measure: Callable[[], Awaitable[tuple[int, Any]]]


@dataclass(frozen=True)
class History:
    """The past of a catalogue event the domain emits, for EVENT badges: `sql` (no parameters)
    yields one row per past occurrence with a `user_id` column naming the member the event is
    counted for (its `actor_id`, else `user_id`, else `author_id`: see `engagement.badges`).
    With it, a new badge reaches members who already qualify (the backfill job) and a member's
    count is read from it, exact; without it, the event is counted from the badge's creation on.
    Describe what still stands (e.g. topics not deleted), as the count is recomputed from it."""

    event: type[Event]
    sql: str


@dataclass(frozen=True)
class Domain:
    """One domain's manifest. `name` is also the Tortoise app label of `models`."""

    name: str
    models: tuple[str, ...] = ()
    schema: str | None = None
    events: tuple[type[Event], ...] = ()  # the events this domain emits (the catalogue)
    handlers: tuple[Handler[Any], ...] = ()
    # `async def fn(event, settings)` run after every committed event of any type (after its handlers).
    observers: tuple[Callable[[Any, Settings], Awaitable[Any]], ...] = ()
    histories: tuple[History, ...] = ()  # the past of events of `events` (EVENT badges backfill)
    deciders: tuple[Decider[Any], ...] = ()
    jobs: tuple[Job, ...] = ()
    content_types: tuple[ContentType, ...] = ()
    search_kinds: tuple[DocumentKind, ...] = ()
    media_readers: tuple[MediaReader, ...] = ()
    read_policies: tuple[ReadPolicy[Any], ...] = ()
    commands: tuple[Command, ...] = ()
    startup: tuple[StartupHook, ...] = ()
    outboxes: tuple[OutboxProbe, ...] = ()
    seeder: Seeder | None = None
    doc: str = ""


class RegistryError(RuntimeError):
    """A manifest is inconsistent (something registered twice, a bad reference)."""


def _unique(kind: str, items: Iterable[tuple[Any, Any]]) -> dict[Any, Any]:
    found: dict[Any, Any] = {}
    for key, value in items:
        if key in found:
            raise RegistryError(f"{kind} {key!r} is registered twice")
        found[key] = value
    return found


@dataclass
class Registry:
    """What the loaded manifests declare, indexed for the parts that use it."""

    domains: tuple[Domain, ...]
    jobs: dict[str, Job] = field(init=False)
    commands: dict[str, Command] = field(init=False)
    content_types: dict[str, ContentType] = field(init=False)
    search_kinds: dict[str, DocumentKind] = field(init=False)
    read_policies: dict[type, ReadPolicy[Any]] = field(init=False)
    events: dict[str, type[Event]] = field(init=False)
    media_readers: tuple[MediaReader, ...] = field(init=False)
    startup: tuple[StartupHook, ...] = field(init=False)
    outboxes: dict[str, OutboxProbe] = field(init=False)
    _handlers: dict[type, tuple[Handler[Any], ...]] = field(init=False)
    observers: tuple[Callable[[Any, Settings], Awaitable[Any]], ...] = field(init=False)
    histories: dict[str, History] = field(init=False)  # by event name
    _deciders: dict[type, Decider[Any]] = field(init=False)

    def __post_init__(self) -> None:
        domains = self.domains
        _unique("domain", ((d.name, d) for d in domains))
        _unique("schema module", ((d.schema, d) for d in domains if d.schema))
        self.jobs = _unique("job", ((j.name, j) for d in domains for j in d.jobs))
        self.commands = _unique("command", ((c.name, c) for d in domains for c in d.commands))
        self.content_types = _unique("content type", ((c.name, c) for d in domains for c in d.content_types))
        self.search_kinds = _unique("search kind", ((k.name, k) for d in domains for k in d.search_kinds))
        self.read_policies = _unique("read policy of", ((p.model, p) for d in domains for p in d.read_policies))
        self.events = _unique("event", ((e.name, e) for d in domains for e in d.events))
        self.media_readers = tuple(_unique("media reader", ((r, r) for d in domains for r in d.media_readers)))
        self.startup = tuple(_unique("start-up hook", ((h, h) for d in domains for h in d.startup)))
        self.outboxes = _unique("outbox", ((o.name, o) for d in domains for o in d.outboxes))
        self._deciders = _unique("decider of", ((x.question, x) for d in domains for x in d.deciders))
        handlers: dict[type, list[Handler[Any]]] = {}
        seen: set[tuple[type, Any]] = set()
        for domain in domains:
            for handler in domain.handlers:
                key = (handler.event, handler.fn)
                if key in seen:
                    raise RegistryError(
                        f"handler {handler.fn.__qualname__} of {handler.event.__name__} is registered twice"
                    )
                seen.add(key)
                if handler.event.name not in self.events:
                    raise RegistryError(
                        f"{domain.name} handles {handler.event.__name__}, which no manifest declares in its `events`"
                    )
                handlers.setdefault(handler.event, []).append(handler)
        self._handlers = {event: tuple(items) for event, items in handlers.items()}
        self.observers = tuple(o for d in domains for o in d.observers)
        self.histories = _unique("history of", ((h.event.name, h) for d in domains for h in d.histories))
        for domain in domains:
            for history in domain.histories:
                if history.event not in domain.events:
                    raise RegistryError(
                        f"{domain.name} declares the history of {history.event.__name__}, which it does not emit"
                    )

    def handlers_of(self, event: type[Event]) -> tuple[Handler[Any], ...]:
        return self._handlers.get(event, ())

    def decider_of(self, question: type) -> Decider[Any] | None:
        return self._deciders.get(question)

    @property
    def tortoise_apps(self) -> dict[str, list[str]]:
        """Tortoise app label -> model modules, in manifest order (the migration planning order)."""
        return {d.name: list(d.models) for d in self.domains if d.models}

    @property
    def schema_modules(self) -> list[str]:
        return [d.schema for d in self.domains if d.schema]

    @property
    def seeders(self) -> list[Seeder]:
        return [d.seeder for d in self.domains if d.seeder is not None]


_loaded: Registry | None = None


def manifest_of(module_path: str) -> Domain:
    module = importlib.import_module(module_path)
    domain = getattr(module, "DOMAIN", None)
    if not isinstance(domain, Domain):
        raise RegistryError(f"{module_path} has no `DOMAIN = Domain(...)` manifest")
    return domain


def build(module_paths: Sequence[str]) -> Registry:
    """A registry of the manifests at `module_paths` (tests build small ones)."""
    return Registry(tuple(manifest_of(path) for path in module_paths))


def load(module_paths: Sequence[str] | None = None) -> Registry:
    """Load the installed domains (once; later calls return the same registry)."""
    global _loaded
    if _loaded is None:
        if module_paths is None:
            from api.domains import INSTALLED

            module_paths = INSTALLED
        _loaded = build(module_paths)
    return _loaded


def registry() -> Registry:
    """The loaded registry; refuses before `load()`, so a forgotten start-up step is loud."""
    if _loaded is None:
        raise RegistryError("the domain registry is not loaded: call api.registry.load() at start-up")
    return _loaded


def by_name(items: Mapping[str, Any], name: str, what: str) -> Any:
    try:
        return items[name]
    except KeyError:
        raise RegistryError(f"no {what} named {name!r}") from None
