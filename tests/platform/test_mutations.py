"""Every mutation follows the contract (one `input`, a payload with `errors`, a `guard`), and
every staff mutation refuses anonymous visitors and lesser roles with nothing changed."""

from __future__ import annotations

import warnings
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.pyutils import Undefined
from strawberry import relay

from api.settings import Settings
from schema.permissions import Require

# A value any document validation accepts, for each scalar a required input field may have.
SCALAR_SAMPLES: dict[str, Any] = {
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "ID": str(relay.GlobalID("User", "1")),
    "GlobalID": str(relay.GlobalID("User", "1")),
    "DateTime": "2030-01-01T00:00:00+00:00",
    "Date": "2030-01-01",
    "Time": "12:00:00",
    "JSON": {},
    "Decimal": "1",
}
# Who must be refused, and how, for each requirement of a staff mutation.
REFUSED = {
    Require.MODERATOR: {None: "UNAUTHENTICATED", "MEMBER": "FORBIDDEN"},
    Require.ADMIN: {None: "UNAUTHENTICATED", "MEMBER": "FORBIDDEN", "MODERATOR": "FORBIDDEN"},
}


def _mutations() -> dict[str, GraphQLField]:
    from schema import build_schema

    return dict(build_schema(Settings.from_env({}, env_file=None))._schema.mutation_type.fields)


def _requirement(field: GraphQLField) -> Require | None:
    resolver = field.extensions["strawberry-definition"].base_resolver
    return getattr(resolver.wrapped_func, "__guildhall_require__", None) if resolver else None


def _unwrap(gql_type: Any) -> Any:
    while isinstance(gql_type, (GraphQLNonNull, GraphQLList)):
        gql_type = gql_type.of_type
    return gql_type


def test_every_mutation_takes_one_input_returns_errors_and_is_guarded():
    problems = []
    for name, field in _mutations().items():
        if list(field.args) != ["input"] or not isinstance(field.args["input"].type, GraphQLNonNull):
            problems.append(f"{name}: expected one required argument `input`")
        payload = _unwrap(field.type)
        errors = payload.fields.get("errors") if isinstance(payload, GraphQLObjectType) else None
        if errors is None or str(errors.type) != "[UserError!]!":
            problems.append(f"{name}: the payload lacks `errors: [UserError!]!`")
        if _requirement(field) is None:
            problems.append(f"{name}: not decorated with @guard(Require.X)")
    assert not problems, "\n".join(problems)


class _Unfillable(Exception):
    pass


def sample_value(gql_type: Any) -> Any:
    """A minimal value of an input type: required fields only."""
    if isinstance(gql_type, GraphQLNonNull):
        return sample_value(gql_type.of_type)
    if isinstance(gql_type, GraphQLList):
        return []
    if isinstance(gql_type, GraphQLEnumType):
        return next(iter(gql_type.values))
    if isinstance(gql_type, GraphQLInputObjectType):
        return {
            name: sample_value(field.type)
            for name, field in gql_type.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    if isinstance(gql_type, GraphQLScalarType) and gql_type.name in SCALAR_SAMPLES:
        return SCALAR_SAMPLES[gql_type.name]
    raise _Unfillable(str(gql_type))


def _staff_mutations() -> list[tuple[str, Require]]:
    return [(name, req) for name, field in _mutations().items() if (req := _requirement(field)) in REFUSED]


async def _snapshot() -> dict[str, list[str]]:
    """Every row of every table, to prove a refused mutation changed nothing."""
    from tortoise import Tortoise

    from api.db import connection

    tables = sorted({m._meta.db_table for app in Tortoise.apps.values() for m in app.values()})
    snapshot = {}
    for table in tables:
        rows = await connection().execute_query_dict(f'SELECT * FROM "{table}"')
        snapshot[table] = sorted(repr(sorted(row.items())) for row in rows)
    return snapshot


def test_the_staff_mutations_include_set_user_role():
    assert ("setUserRole", Require.ADMIN) in _staff_mutations()


async def test_every_staff_mutation_refuses_lesser_roles_and_changes_nothing(gql, factory):
    # One test over all of them (not one per mutation): the members, tokens and the snapshot
    # are made once, which keeps this fast as domains add staff mutations.
    mutations = _mutations()
    await factory.user(role="MEMBER")  # something a mutation might touch
    tokens: dict[str | None, str | None] = {None: None}
    for role in ("MEMBER", "MODERATOR"):
        _, tokens[role] = await factory.member_with_token(role=role)
        await gql("{ viewer { user { id } } }", token=tokens[role])  # last-seen update happens now
    before = await _snapshot()
    problems, unfillable = [], []
    for name, require in _staff_mutations():
        field = mutations[name]
        try:
            variables = {"input": sample_value(field.args["input"].type)}
        except _Unfillable as exc:
            unfillable.append(f"{name} ({exc})")
            continue
        document = (
            f"mutation($input: {field.args['input'].type}) "
            f"{{ {name}(input: $input) {{ errors {{ field code message }} }} }}"
        )
        for role, code in REFUSED[require].items():
            body = await gql(document, variables, token=tokens[role], expect_errors=True)
            errors = ((body.get("data") or {}).get(name) or {}).get("errors")
            if [e["code"] for e in errors or []] != [code]:
                problems.append(f"{name} as {role or 'anonymous'}: expected {code}, got {errors or body}")
        after = await _snapshot()
        if after != before:
            changed = sorted(t for t in before if before[t] != after[t])
            problems.append(f"{name}: a refused call changed {changed}")
            before = after
    assert not problems, "\n".join(problems)
    if unfillable:  # e.g. a required Upload: add a sample to SCALAR_SAMPLES if one can be sent
        warnings.warn(f"staff mutations not checked, no sample input: {unfillable}", stacklevel=1)
