"""The domain registry: manifests are the only wiring, duplicates are refused, and every job,
handler, content type, search kind, command and event in the code is reachable from a manifest."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import typing
from pathlib import Path

import pytest

from api.cli import EVENTS_FILE, build_parser
from api.domain.content import ContentType
from api.events import Decider, Event, Handler, Question, catalogue, decider, on
from api.registry import Command, Domain, History, Job, Registry, RegistryError, registry
from api.settings import ROOT
from search.registry import DocumentKind

PACKAGES = ("api", "search", "media", "schema")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            names.append(info.name)
    return names


@dataclasses.dataclass(frozen=True)
class _Happened(Event):
    name = "test.happened"
    value: int


@dataclasses.dataclass(frozen=True)
class _Asked(Question[str]):
    default = "no"


async def _noop(*_: object) -> None:
    return None


def _content(name: str) -> ContentType:
    return ContentType(name=name, load=_noop, hide=_noop, unhide=_noop, delete=_noop)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "first, second",
    [
        (Domain("a"), Domain("a")),
        (Domain("a", schema="schema.x"), Domain("b", schema="schema.x")),
        (Domain("a", jobs=(Job("j", _noop),)), Domain("b", jobs=(Job("j", _noop),))),
        (
            Domain("a", commands=(Command("c", "", lambda a, s: 0),)),
            Domain("b", commands=(Command("c", "", lambda a, s: 0),)),
        ),
        (Domain("a", content_types=(_content("T"),)), Domain("b", content_types=(_content("T"),))),
        (
            Domain("a", search_kinds=(DocumentKind("k", "i", _noop, _noop),)),  # type: ignore[arg-type]
            Domain("b", search_kinds=(DocumentKind("k", "i", _noop, _noop),)),
        ),  # type: ignore[arg-type]
        (Domain("a", deciders=(decider(_Asked, _noop),)), Domain("b", deciders=(decider(_Asked, _noop),))),
        (Domain("a", events=(_Happened,)), Domain("b", events=(_Happened,))),
        (
            Domain("a", events=(_Happened,), handlers=(on(_Happened, _noop),)),
            Domain("b", handlers=(on(_Happened, _noop),)),
        ),
    ],
)
def test_registering_anything_twice_raises(first, second):
    with pytest.raises(RegistryError, match="twice"):
        Registry((first, second))


def test_a_handler_of_an_undeclared_event_is_refused():
    with pytest.raises(RegistryError, match="no manifest declares"):
        Registry((Domain("a", handlers=(on(_Happened, _noop),)),))


def test_a_history_is_declared_once_by_the_domain_that_emits_the_event():
    history = History(_Happened, "SELECT 1 AS user_id")
    with pytest.raises(RegistryError, match="does not emit"):
        Registry((Domain("a", histories=(history,)), Domain("b", events=(_Happened,))))
    with pytest.raises(RegistryError, match="twice"):
        Registry((Domain("a", events=(_Happened,), histories=(history, history)),))
    assert Registry((Domain("a", events=(_Happened,), histories=(history,)),)).histories == {_Happened.name: history}


def test_events_need_a_catalogue_name():
    with pytest.raises(TypeError, match="catalogue"):

        @dataclasses.dataclass(frozen=True)
        class Nameless(Event):
            value: int


async def test_a_question_without_decider_gets_its_default():
    from api.events import decide

    assert await decide(_Asked()) == "no"


def test_every_piece_in_the_code_is_reachable_from_a_manifest():
    """A job, handler, decider, content type, search kind, command or event defined anywhere but
    missing from every manifest would silently do nothing: find them all and demand a manifest."""
    loaded = registry()
    reachable = {  # by identity: some pieces hold dicts and are not hashable
        Job: {id(j) for j in loaded.jobs.values()},
        Command: {id(c) for c in loaded.commands.values()},
        ContentType: {id(c) for c in loaded.content_types.values()},
        DocumentKind: {id(k) for k in loaded.search_kinds.values()},
        Handler: {id(h) for d in loaded.domains for h in d.handlers},
        Decider: {id(x) for d in loaded.domains for x in d.deciders},
    }
    events = set(loaded.events.values())
    orphans = []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, Event)
                and value is not Event
                and value.__module__ == name
                and value not in events
                and not name.startswith("tests")
            ):
                orphans.append(f"event {name}.{attr}")
            for kind, known in reachable.items():
                if isinstance(value, kind) and id(value) not in known:
                    orphans.append(f"{kind.__name__} {name}.{attr}")
                if isinstance(value, tuple) and any(isinstance(v, kind) and id(v) not in known for v in value):
                    orphans.append(f"{kind.__name__} in {name}.{attr}")
    assert orphans == []


def test_every_job_command_and_event_handler_function_is_in_a_manifest():
    """By convention jobs are `*_job` functions and commands `cmd_*`; a handler is any function
    whose first parameter is an event. Each must be reachable from a manifest (or be a built-in
    command of `api.cli`)."""
    loaded = registry()
    jobs = {j.run for j in loaded.jobs.values()}
    commands = {c.run for c in loaded.commands.values()}
    handlers = {(h.event, h.fn) for d in loaded.domains for h in d.handlers}
    missing = []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if not inspect.isfunction(value) or value.__module__ != name:
                continue
            if attr.endswith("_job") and value not in jobs:
                missing.append(f"job {name}.{attr}")
            if attr.startswith("cmd_") and name != "api.cli" and value not in commands:
                missing.append(f"command {name}.{attr}")
            params = list(inspect.signature(value).parameters.values())
            if params:
                try:
                    hint = typing.get_type_hints(value).get(params[0].name)
                except Exception:  # noqa: BLE001 - annotations naming TYPE_CHECKING-only names
                    continue
                if (
                    isinstance(hint, type)
                    and issubclass(hint, Event)
                    and hint is not Event
                    and (hint, value) not in handlers
                ):
                    missing.append(f"handler {name}.{attr} of {hint.__name__}")
    assert missing == []


def _emitted_event_names() -> set[str]:
    """Class names of every `emit(SomeEvent(...))` in the code."""
    names = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) == "emit"
                    and node.args
                    and isinstance(node.args[0], ast.Call)
                ):
                    callee = node.args[0].func
                    names.add(getattr(callee, "id", getattr(callee, "attr", "")))
    return names


def test_every_emitted_event_is_declared_and_handled_or_public():
    loaded = registry()
    by_class = {e.__name__: e for e in loaded.events.values()}
    emitted = _emitted_event_names()
    assert emitted, "the scan found no emit() at all"
    undeclared = sorted(emitted - set(by_class))
    assert undeclared == [], "emitted but declared by no manifest"
    unheard = sorted(n for n in emitted if not loaded.handlers_of(by_class[n]) and not by_class[n].public)
    assert unheard == [], "emitted with no handler: add one, or mark the event public"
    never = sorted(n for n, e in by_class.items() if n not in emitted)
    assert never == [], "declared but never emitted"


def test_the_events_catalogue_in_docs_is_current():
    loaded = registry()
    owners = {e.name: d.name for d in loaded.domains for e in d.events}
    expected = catalogue(loaded.events, loaded.handlers_of, owners, loaded.histories)
    assert Path(EVENTS_FILE).read_text(encoding="utf-8") == expected, "run `make schema`"


def test_commands_of_manifests_are_cli_sub_commands():
    from search.commands import cmd_reindex

    args = build_parser().parse_args(["reindex", "--kind", "article"])
    assert args.func is cmd_reindex
    assert build_parser().parse_args(["record-media-uses"]).func is loaded_command("record-media-uses")


def loaded_command(name: str):
    return registry().commands[name].run


def test_no_module_registers_through_import_side_effects():
    """The old idioms are gone: nothing imports a wiring module or fills a registry on import."""
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for needle in ("api.wiring", "@periodic(", "@reader", "@on(", "@decider(", "post_save(", "STARTUP_HOOKS"):
                if needle in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []
