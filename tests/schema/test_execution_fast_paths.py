"""schema/execution.py takes shortcuts through graphql-core's executor (leaves read in place, objects
and lists completed without its dispatch, no `@stream` lookups). Whatever a resolver returns, the
result (data and errors, with their paths) is the one graphql-core gives without them."""

from __future__ import annotations

import json

import pytest
import strawberry

from api.http.view import GraphQLOverHTTP
from schema.execution import ExecutionContext, direct_resolvers


@strawberry.type
class Item:
    name: str
    note: str | None
    count: int
    tags: list[str]

    @strawberry.field
    def twin(self) -> Item | None:
        return self if self.note == "twin" else None

    @strawberry.field
    def shout(self, info: strawberry.Info) -> str:
        if self.name == "loud":
            raise ValueError("a resolver failed")
        return f"{self.name}!".upper() if info.context is None else "?"

    @strawberry.field
    def later(self) -> int:
        async def value() -> int:
            if self.count == 7:
                raise ValueError("an awaited value failed")
            return self.count

        return value()  # type: ignore[return-value]  # an awaitable from a plain resolver

    @strawberry.field
    def must(self) -> Item:
        return None if self.note == "null must" else self  # type: ignore[return-value]  # a resolver bug, on purpose


def _items() -> list[Item]:
    return [
        Item(name="plain", note=None, count=1, tags=["a"]),
        Item(name=None, note="a null in a non-null field", count=2, tags=[]),  # type: ignore[arg-type]
        Item(name="bad count", note="twin", count="many", tags=["b", "c"]),  # type: ignore[arg-type]
        Item(name="boom", note="null must", count=3, tags=["t"]),
        Item(name="no tags", note=None, count=4, tags=None),  # type: ignore[arg-type]
        Item(name="float", note=None, count=2.5, tags=[]),  # type: ignore[arg-type]
        Item(name="loud", note=None, count=6, tags=[]),
        Item(name="late", note=None, count=7, tags=[]),
    ]


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Thing(Named):  # implements an interface: its type has `is_type_of`
    size: int

    @strawberry.field
    def same(self) -> Thing:
        return self

    @strawberry.field
    @staticmethod
    def label(root: strawberry.Parent[Thing], info: strawberry.Info) -> str:
        return f"{root.name}.{info.field_name}"

    @strawberry.field
    @staticmethod
    def reversed_label(info: strawberry.Info, root: strawberry.Parent[Thing]) -> str:  # by keyword
        return f"{info.field_name}.{root.name}"

    @strawberry.field
    def others(self) -> list[Thing | None]:
        async def thing() -> Thing:
            return Thing(name="awaited", size=0)

        return [thing(), self, Item(name="impostor", note=None, count=0, tags=[])]  # type: ignore[list-item]

    @strawberry.field
    def strict_others(self) -> list[Thing]:
        return [self, None] if self.size == 2 else [self]  # type: ignore[list-item]  # a null item, on purpose

    @strawberry.field
    def kept(self) -> list[Thing]:
        return (self, self) if self.size == 1 else []  # type: ignore[return-value]  # a tuple: any iterable


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return _items()

    @strawberry.field
    def strict(self) -> list[Item] | None:
        return _items()[:1] + _items()[2:3]

    @strawberry.field
    def things(self) -> list[Thing | None]:
        return [Thing(name="one", size=1), Thing(name="two", size=2), Item(name="x", note=None, count=0, tags=[])]  # type: ignore[list-item]

    @strawberry.field
    def grid(self) -> list[list[Thing | None]]:
        return [[Thing(name="a", size=1), None], []]

    @strawberry.field
    def lone(self) -> Thing | None:
        return Item(name="not a thing", note=None, count=0, tags=[])  # type: ignore[return-value]


QUERY = """{ items { name note count tags twin { name count } must { name } shout later }
             strict { name count alias: name }
             things { name size same { name } label reversedLabel others { name } strictOthers { name } kept { size } }
             grid { name } lone { name } }"""


async def _result(fast: bool) -> dict:
    if fast:
        schema = strawberry.Schema(Query, execution_context_class=ExecutionContext)
        assert direct_resolvers(schema) > 0
    else:
        schema = strawberry.Schema(Query)
    result = await schema.execute(QUERY)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return {"data": result.data, "errors": errors}


async def test_results_and_errors_are_graphql_cores(monkeypatch):
    completed = []
    complete_object = ExecutionContext._complete_object

    def counted(self, object_type, *args):
        completed.append(object_type.name)
        return complete_object(self, object_type, *args)

    monkeypatch.setattr(ExecutionContext, "_complete_object", counted)
    fast, plain = await _result(True), await _result(False)
    assert {"Item", "Thing"} <= set(completed)  # the shortcut ran, for list items and single objects
    assert fast == plain
    messages = {message for message, _ in fast["errors"]}
    assert any("non-nullable field Item.name" in m for m in messages)
    assert any("Int cannot represent" in m for m in messages)
    assert any("non-nullable field Item.must" in m for m in messages)
    assert any("non-nullable field Item.tags" in m for m in messages)
    assert {"a resolver failed", "an awaited value failed"} <= messages
    assert fast["data"]["items"][0] == {
        "name": "plain",
        "note": None,
        "count": 1,
        "tags": ["a"],
        "twin": None,
        "must": {"name": "plain"},
        "shout": "PLAIN!",
        "later": 1,
    }
    assert fast["data"]["items"][2] is None and fast["data"]["strict"] is None
    assert fast["data"]["things"][0] == {
        "name": "one",
        "size": 1,
        "same": {"name": "one"},
        "label": "one.label",
        "reversedLabel": "reversedLabel.one",
        "others": [{"name": "awaited"}, {"name": "one"}, None],
        "strictOthers": [{"name": "one"}],
        "kept": [{"size": 1}, {"size": 1}],
    }
    assert fast["data"]["things"][1:] == [None, None]  # a null item of `[Thing!]!` nulls its parent
    assert fast["data"]["grid"] == [[{"name": "a"}, None], []] and fast["data"]["lone"] is None
    assert any("Expected value of type 'Thing' but got" in m for m in messages)
    assert any("non-nullable field Thing.strictOthers" in m for m in messages)


def test_stream_is_not_in_the_schema_so_no_list_looks_for_it():
    """`ExecutionContext.get_stream_usage` answers None without reading directives: valid only while
    the schema declares no `@stream` (validation refuses an unknown directive)."""
    from api.settings import Settings
    from schema import build_schema

    schema = build_schema(Settings.from_env({}, env_file=None))
    assert schema._schema.get_directive("stream") is None
    result = schema.execute_sync("{ __typename @stream(initialCount: 1) }")
    assert result.errors and "Unknown directive '@stream'" in result.errors[0].message


@pytest.mark.parametrize(
    "data",
    [
        {"data": {"title": "会议 记录 — naïve", "n": 3, "ok": True, "none": None, "x": 1.5}},
        {"data": {"huge": 2**70}},  # past 64 bits: orjson refuses, the standard encoder writes it
    ],
)
def test_response_bodies_are_the_same_json(data):
    body = GraphQLOverHTTP.encode_json(GraphQLOverHTTP(), data)
    assert isinstance(body, str)  # graphql-transport-ws frames must be text
    assert json.loads(body) == data
