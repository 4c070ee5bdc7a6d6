"""The schema as a contract: the committed SDL is current and every part of it is described."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from api.cli import SCHEMA_FILE
from api.settings import Settings

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def _schema() -> GraphQLSchema:
    from schema import build_schema

    return build_schema(Settings.from_env({}, env_file=None))._schema


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument, input field and enum value without a description."""
    missing: list[str] = []
    for name, gql_type in sorted(schema.type_map.items()):
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not gql_type.description:
            missing.append(f"type {name}")
        if isinstance(gql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in gql_type.fields.items():
                if not field.description:
                    missing.append(f"field {name}.{field_name}")
                missing += [
                    f"argument {name}.{field_name}({arg_name})"
                    for arg_name, arg in field.args.items()
                    if not arg.description
                ]
        elif isinstance(gql_type, GraphQLInputObjectType):
            missing += [
                f"input field {name}.{field_name}"
                for field_name, field in gql_type.fields.items()
                if not field.description
            ]
        elif isinstance(gql_type, GraphQLEnumType):
            missing += [
                f"enum value {name}.{value_name}"
                for value_name, value in gql_type.values.items()
                if not value.description
            ]
    return missing


def test_every_type_field_argument_and_enum_value_is_described():
    missing = undescribed(_schema())
    assert not missing, f"{len(missing)} schema elements lack a description:\n" + "\n".join(missing)


def test_the_walk_finds_what_lacks_a_description():
    from graphql import build_schema as parse_sdl

    sdl = """
    "A root." type Query { "Described." ok(
        "Described." a: Int, b: Int): Kind, bare: String }
    enum Kind { "Described." ONE TWO }
    input Filter { "Described." x: Int, y: Int }
    type Holder { "Described." f(filter: Filter): Int }
    """
    assert undescribed(parse_sdl(sdl)) == [
        "type Filter",
        "input field Filter.y",
        "type Holder",
        "argument Holder.f(filter)",
        "type Kind",
        "enum value Kind.TWO",
        "argument Query.ok(b)",
        "field Query.bare",
    ]


def test_committed_sdl_matches_the_code():
    from schema import schema_sdl

    assert SCHEMA_FILE.exists(), "schema.graphql is missing: run `guildhall export-schema` (make schema)"
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == schema_sdl(), "schema.graphql is stale: run `guildhall export-schema` (make schema)"
