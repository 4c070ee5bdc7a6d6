"""Every node type × {anonymous, member, other member, moderator, admin, banned}: what `node`,
`nodes`, the root lists, the types' own list fields and the subscriptions show agrees with the
read policies (`api.policy`), and each policy's list scope agrees with its row filter (the
consistency check Discourse runs between its guardian and its list scopes).

The world is the demo community plus the states the demo lacks (held, hidden and deleted content,
drafts, revisions, a left conversation, a private committee, sanctions, referrals)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType
from strawberry.relay import GlobalID

from api.demo import seed_demo
from api.domain.engagement import messages
from api.domain.forum import posts, topics
from api.domain.governance import committees
from api.domain.kb import articles
from api.domain.moderation import sanctions
from api.models.accounts import CommitteeRole, Role, SanctionKind, User, Visibility
from api.models.moderation import Referral
from api.policy import policy_of
from api.pubsub import get_broker
from api.registry import registry
from api.settings import Settings
from schema.context import Context
from schema.relay import ModelNode
from tests.domain.forum_helpers import make_space, make_topic

VIEWERS = ("anonymous", "member", "other", "moderator", "admin", "banned")


def _node_types() -> dict[type, str]:
    """Model -> GraphQL type name of every ModelNode type in the schema."""
    from schema import build_schema

    build_schema()
    found: dict[type, str] = {}
    pending = list(ModelNode.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        definition = getattr(cls, "__strawberry_definition__", None)
        if definition is not None and getattr(cls, "model", None) is not None:
            found[cls.model] = definition.name
    return found


async def _world(factory, settings: Settings) -> dict[str, Any]:
    await seed_demo(settings)
    users = {u.username: u for u in await User.all()}
    admin, mod, alice, bob = users["admin"], users["mod"], users["alice"], users["bob"]
    staff_only = await make_space(admin, "Backroom", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    members = await make_space(admin, "Members", visibility=Visibility.MEMBERS)
    held = await make_topic(alice, members, settings, title="Alice's first")
    await held.__class__.filter(id=held.id).update(held=True)
    hidden = await make_topic(bob, members, settings, title="Bob's rant")
    await hidden.__class__.filter(id=hidden.id).update(hidden=True)
    secret = await make_topic(mod, staff_only, settings, title="Mod notes")
    await posts.create_post(admin, posts.PostInput(topic_id=secret.id, body="between us"), settings=settings)
    edited = await make_topic(alice, members, settings, title="Edited")
    await topics.edit_topic(alice, topics.TopicChangesInput(topic_id=edited.id, body="changed"), settings=settings)
    post = await posts.create_post(bob, posts.PostInput(topic_id=edited.id, body="first"), settings=settings)
    await posts.edit_post(bob, post.id, "second", settings=settings)
    hidden_post = await posts.create_post(bob, posts.PostInput(topic_id=edited.id, body="rude"), settings=settings)
    await hidden_post.__class__.filter(id=hidden_post.id).update(hidden=True)
    await topics.delete_topic(mod, (await make_topic(bob, members, settings, title="Gone")).id)
    await articles.create_article(bob, articles.ArticleInput(title="Bob's draft", body="wip"), settings=settings)
    private_committee = await committees.create_committee(
        admin, "Secret council", "Hush.", Visibility.PRIVATE, settings=settings
    )
    await committees.add_member(admin, private_committee.id, bob.id, CommitteeRole.MEMBER)
    left, _ = await messages.start_conversation(alice, [bob.id, mod.id], "group hello", "Group", settings=settings)
    await messages.leave(bob, left.id)
    await sanctions.sanction_member(mod, bob.id, SanctionKind.WARNING, reason="mind your tone", settings=settings)
    banned, _ = await factory.member_with_token()
    await sanctions.sanction_member(mod, banned.id, SanctionKind.BAN, reason="spam", settings=settings)
    await Referral.create(inviter_id=alice.id, invitee_id=banned.id)
    tokens = {
        "member": await factory.token(alice),
        "other": await factory.token(bob),
        "moderator": await factory.token(mod),
        "admin": await factory.token(admin),
        "banned": await factory.token(banned),
    }
    viewers: dict[str, User | None] = {
        "anonymous": None,
        "member": alice,
        "other": bob,
        "moderator": mod,
        "admin": admin,
        "banned": None,
    }  # a ban makes the token anonymous
    return {"tokens": tokens, "viewers": viewers}


def _gid(type_name: str, pk: Any) -> str:
    return str(GlobalID(type_name, str(pk)))


async def _ask(gql, query: str, variables: dict, token: str | None) -> dict:
    body = await gql(query, variables, token=token, expect_errors=True)
    assert not body.get("errors"), body.get("errors")
    return body["data"]


@pytest.fixture
async def world(factory, app_settings):
    return await _world(factory, app_settings)


async def test_node_and_nodes_agree_with_the_read_policies(world, gql):
    node_types = _node_types()
    assert set(node_types) == set(registry().read_policies), "every node type has a read policy, and only they"
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    for model, type_name in sorted(node_types.items(), key=lambda item: item[1]):
        rows = list(await model.all().order_by("id").limit(60))
        ids = [_gid(type_name, r.pk) for r in rows]
        for label in VIEWERS:
            viewer = world["viewers"][label]
            expected = {_gid(type_name, r.pk) for r in await policy_of(model).filter(viewer, rows, {})}
            shown = (await _ask(gql, query, {"ids": ids}, world["tokens"].get(label)))["nodes"]
            got = {n["id"] for n in shown if n is not None}
            assert got == expected, f"{type_name} as {label}"
            if rows:  # `node` answers as `nodes` does
                one = (
                    await _ask(
                        gql, "query($id: ID!) { node(id: $id) { id } }", {"id": ids[0]}, world["tokens"].get(label)
                    )
                )["node"]
                assert (one is not None) == (ids[0] in expected), f"node({type_name}) as {label}"


async def test_each_policy_scope_agrees_with_its_row_filter(world):
    for model, policy in registry().read_policies.items():
        if policy.scope is None:
            continue
        rows = list(await model.all())
        for label in VIEWERS:
            viewer = world["viewers"][label]
            scoped = set(await (await policy.scope(viewer, {})).values_list("id", flat=True))
            filtered = {r.pk for r in await policy.filter(viewer, rows, {})}
            assert scoped == filtered, f"{model.__name__} as {label}: scope and filter disagree"


def _connection_node_type(field_type: Any) -> str | None:
    while isinstance(field_type, (GraphQLNonNull, GraphQLList)):
        field_type = field_type.of_type
    if (
        isinstance(field_type, GraphQLObjectType)
        and field_type.name.endswith("Connection")
        and "nodes" in field_type.fields
    ):
        item = field_type.fields["nodes"].type
        while isinstance(item, (GraphQLNonNull, GraphQLList)):
            item = item.of_type
        return item.name
    return None


def _optional_args(field: Any) -> bool:
    return all(not isinstance(arg.type, GraphQLNonNull) or arg.default_value is not None for arg in field.args.values())


async def test_lists_never_show_what_the_policies_hide(world, gql):
    """Every list, at the root and on every node type, shows only rows the viewer may see."""
    from schema import build_schema

    schema = build_schema()._schema
    node_types = _node_types()
    models_by_name = {name: model for model, name in node_types.items()}
    visible: dict[tuple[str, str], set[str]] = {}

    async def visible_ids(type_name: str, label: str) -> set[str]:
        key = (type_name, label)
        if key not in visible:
            model = models_by_name[type_name]
            rows = list(await model.all())
            allowed = await policy_of(model).filter(world["viewers"][label], rows, {})
            visible[key] = {_gid(type_name, r.pk) for r in allowed}
        return visible[key]

    checked = 0
    for label in VIEWERS:
        token = world["tokens"].get(label)
        for name, field in schema.query_type.fields.items():
            item = _connection_node_type(field.type)
            if item not in models_by_name or not _optional_args(field):
                continue
            data = await gql(f"{{ {name}(first: 100) {{ nodes {{ id }} }} }}", token=token, expect_errors=True)
            if data.get("errors"):  # a staff-only list refuses: nothing shown
                continue
            shown = {n["id"] for n in data["data"][name]["nodes"]}
            assert shown <= await visible_ids(item, label), f"Query.{name} as {label}"
            checked += 1
        for type_name in models_by_name:
            object_type = schema.type_map[type_name]
            lists = [
                (n, _connection_node_type(f.type))
                for n, f in object_type.fields.items()
                if _connection_node_type(f.type) in models_by_name and _optional_args(f)
            ]
            if not lists:
                continue
            parents = sorted(await visible_ids(type_name, label))[:4]
            for field_name, item in lists:
                for parent in parents:
                    data = await gql(
                        f'{{ node(id: "{parent}") {{ ... on {type_name} {{ '
                        f"{field_name}(first: 100) {{ nodes {{ id }} }} }} }} }}",
                        token=token,
                        expect_errors=True,
                    )
                    if data.get("errors") or data["data"]["node"] is None:
                        continue
                    shown = {n["id"] for n in data["data"]["node"][field_name]["nodes"]}
                    assert shown <= await visible_ids(item, label), f"{type_name}.{field_name} as {label}"
                    checked += 1
    assert checked > 50


async def _delivered(
    app_settings: Settings, viewer: User | None, query: str, channel: str, events: list[dict]
) -> list[str]:
    """Run the subscription for `viewer`, publish `events` then a marker, and return what it
    delivered before the marker was handled (deterministic: events are handled in order)."""
    from schema import build_schema

    context = Context(settings=app_settings, limiter=None, viewer=viewer)  # type: ignore[arg-type]
    stream = await build_schema().subscribe(query, context_value=context)
    delivered: list[str] = []

    async def consume() -> None:
        async for result in stream:
            assert not result.errors, result.errors
            delivered.append(next(iter(result.data.values()))["id"])

    task = asyncio.create_task(consume())
    broker = get_broker()
    for _ in range(500):  # the subscription is listening once its queue exists
        if channel in getattr(broker, "_queues", {}):
            break
        await asyncio.sleep(0.01)
    for event in events:
        await broker.publish(channel, event)
    await broker.publish(channel, {"id": 0})  # no row has id 0: handled, never delivered
    while any(not q.empty() for q in broker._queues.get(channel, ())):  # all handed to the resolver
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return delivered


async def test_subscriptions_deliver_exactly_what_the_policies_allow(world, app_settings):
    from api.domain.engagement.messages import channel_for as message_channel
    from api.domain.moderation.announcements import CHANNEL
    from api.domain.notifications import channel_for as notification_channel
    from api.models.engagement import Message
    from api.models.moderation import Announcement
    from api.models.notifications import Notification

    for label in ("member", "other", "moderator", "admin"):
        viewer = world["viewers"][label]
        cases = [
            ("subscription { messageAdded { id } }", message_channel(viewer.id), Message, "Message"),
            (
                "subscription { notificationAdded { id } }",
                notification_channel(viewer.id),
                Notification,
                "Notification",
            ),
            ("subscription { announcementPublished { id } }", CHANNEL, Announcement, "Announcement"),
        ]
        for query, channel, model, type_name in cases:
            rows = list(await model.all().order_by("id"))
            expected = [_gid(type_name, r.pk) for r in await policy_of(model).filter(viewer, rows, {})]
            got = await _delivered(app_settings, viewer, query, channel, [{"id": r.pk} for r in rows])
            assert got == expected, f"{query} as {label}"
