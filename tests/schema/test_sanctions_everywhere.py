"""A muted or banned member cannot act through any mutation of any domain: this walks every
mutation of the schema. Only account housekeeping listed in `ALLOWED` may skip the check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import strawberry
from graphql import GraphQLField

from api.domain.accounts import authenticate
from api.models.accounts import Sanction, SanctionKind
from api.settings import Settings
from api.timeutil import now
from schema.accounts import Payload
from schema.permissions import Require, guard
from tests.platform.test_mutations import _requirement, _snapshot, _Unfillable, sample_value

# Mutations a muted or banned member may reach, and why. Everything else must refuse them.
ALLOWED: dict[str, str] = {
    "login": "sign-in itself refuses banned members; muted members may sign in",
    "register": "sign-up, before any account exists",
    "logout": "a sanctioned member must be able to sign out",
    "changePassword": "account security stays possible while muted",
    "markNotificationsRead": "read state of the member's own notifications",
    "markAnnouncementRead": "read state of the member's own announcements",
    "markTopicRead": "private read state",
    "markConversationRead": "private read state",
    "setBookmark": "private bookmarks, seen by nobody else",
    "setTopicSubscription": "private notification preferences",
    "blockMember": "self-protection from harassment stays possible while muted",
    "unblockMember": "undoing a private block",
    "leaveConversation": "leaving a conversation publishes nothing",
    "fileFeedback": "writing to the operators (e.g. to appeal a mute) stays possible",
    "replyToFeedback": "the member's own ticket with the operators",
    "setSpaceSubscription": "private notification preferences",
    "setNotificationPreferences": "where the member's own notifications go (and stopping mail)",
    "changeEmail": "account security: the address recovery mail goes to",
    "requestEmailVerification": "account housekeeping: proving the address is the member's",
    "verifyEmail": "account housekeeping, by a token mailed to the member",
    "confirmEmailChange": "account housekeeping, by a token mailed to the new address",
    "requestPasswordReset": "account recovery, answered the same for everyone",
    "resetPassword": "account recovery by a mailed token; sign-in still refuses banned members",
}
ROLE_OF = {
    Require.SIGNED_IN: "MEMBER",
    Require.MEMBER: "MEMBER",
    Require.MODERATOR: "MODERATOR",
    Require.ADMIN: "ADMIN",
}


def audit(fields: dict[str, GraphQLField]) -> tuple[list[str], dict[str, Require]]:
    """(problems, the mutations to try with sanctioned members and what each requires)."""
    problems: list[str] = []
    to_check: dict[str, Require] = {}
    for name, field in sorted(fields.items()):
        require = _requirement(field)
        if require is None:
            problems.append(f"{name}: no @guard, so nothing refuses muted or banned members")
        elif require in (Require.ANYONE, Require.SIGNED_IN):
            if name not in ALLOWED:
                problems.append(f"{name}: {require.name} lets muted members act; use MEMBER or allow-list it")
            elif require is Require.SIGNED_IN:
                to_check[name] = require  # banned members must still be refused
        else:
            to_check[name] = require
    return problems, to_check


def _fields(schema: Any) -> dict[str, GraphQLField]:
    return dict(schema._schema.mutation_type.fields)


@strawberry.input(description="Anything.")
class _In:
    x: int = strawberry.field(description="Anything.")


def _sample_mutation_root() -> type:
    @strawberry.type
    class Mutation:
        @strawberry.mutation
        async def unguarded(self, info: strawberry.Info, input: _In) -> Payload:
            return Payload()

        @strawberry.mutation
        @guard(Require.SIGNED_IN)
        async def sneaky(self, info: strawberry.Info, input: _In) -> Payload:
            return Payload()

        @strawberry.mutation
        @guard(Require.MEMBER)
        async def fine(self, info: strawberry.Info, input: _In) -> Payload:
            return Payload()

    return Mutation


@strawberry.type
class _Query:
    ok: bool = True


def test_the_audit_catches_an_unguarded_or_housekeeping_mutation():
    problems, to_check = audit(_fields(strawberry.Schema(query=_Query, mutation=_sample_mutation_root())))
    assert [p.split(":")[0] for p in problems] == ["sneaky", "unguarded"]
    assert to_check == {"fine": Require.MEMBER}  # "sneaky" is not allow-listed, so not tried


async def _direct(field: GraphQLField, app_settings: Settings, viewer: Any) -> list[str]:
    """Call the guarded resolver directly (for inputs a JSON document cannot carry, e.g. uploads)."""
    from api.ratelimit import MemoryRateLimiter
    from schema.context import Context

    class Info:
        context = Context(settings=app_settings, limiter=MemoryRateLimiter(), viewer=viewer)

    resolver = field.extensions["strawberry-definition"].base_resolver.wrapped_func
    payload = await resolver(None, info=Info(), input=None)
    return [e.code.value for e in payload.errors]


async def test_muted_and_banned_members_are_refused_by_every_mutation(gql, factory, app_settings):
    from schema import build_schema

    fields = _fields(build_schema(Settings.from_env({}, env_file=None)))
    problems, to_check = audit(fields)
    people: dict[str, dict[str, tuple[Any, str]]] = {}
    for role in sorted(set(ROLE_OF.values())):
        people[role] = {}
        for state, kind in (("muted", SanctionKind.MUTE), ("banned", SanctionKind.BAN)):
            user, token = await factory.member_with_token(role=role)
            await Sanction.create(user=user, kind=kind, reason="walk", ends_at=now() + timedelta(hours=1))
            people[role][state] = (user, token)
            await gql("{ viewer { user { id } } }", token=token)  # the last-seen update happens now
    await factory.user()  # something the mutations might touch
    before = await _snapshot()
    for name, require in to_check.items():
        field = fields[name]
        role = ROLE_OF[require]
        try:
            variables = {"input": sample_value(field.args["input"].type)}
        except _Unfillable:
            variables = None
        states = [("muted", "SANCTIONED"), ("banned", "UNAUTHENTICATED")]
        if require is Require.SIGNED_IN:
            states = states[1:]  # allow-listed housekeeping: only the ban applies
        for state, expected in states:
            _, token = people[role][state]
            if variables is None:
                signed_in = await authenticate(token)  # as the app does: a banned token yields no one
                codes = await _direct(field, app_settings, signed_in[0] if signed_in else None)
            else:
                document = (
                    f"mutation($input: {field.args['input'].type}) {{ {name}(input: $input) {{ errors {{ code }} }} }}"
                )
                codes = [e["code"] for e in (await gql(document, variables, token=token))[name]["errors"]]
            if codes != [expected]:
                problems.append(f"{name}: a {state} {role.lower()} got {codes}, expected [{expected}]")
    assert await _snapshot() == before, "a refused mutation changed something"
    assert not problems, "\n".join(problems)
    assert len(to_check) >= 20  # the walk really covered the schema
