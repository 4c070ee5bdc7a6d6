"""A topic's posts as a hot read path (docs/architecture.md): a fixed number of SQL queries and of
loader calls whatever the page size, no model instance per post, and the same authorization as
before (held posts, hidden and deleted bodies); resolvers called directly keep their behaviour."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from strawberry.dataloader import DataLoader

from api.models.accounts import Role
from api.models.forum import Post, Reaction, Topic
from tests.domain.forum_helpers import make_space, make_topic
from tests.schema.test_forum import gid

POSTS = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Topic {
  posts(first: $first, after: $after) { pageInfo { endCursor hasNextPage } nodes {
    id position status body bodyHtml quoteText createdAt author { username displayName }
    replyTo { id } reactions { reaction count viewerReacted } viewerVote
} } } } }"""


async def _topic_of_200_posts(factory, app_settings):
    """200 posts: every 10th held (by its author), every 7th hidden, every 13th deleted; a reaction
    on every 4th, the reader's own on every 8th."""
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    authors = [await factory.user(f"writer{i}") for i in range(4)]
    reader, token = await factory.member_with_token(username="reader")
    topic = await make_topic(authors[0], space, app_settings)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    await Post.bulk_create(
        [
            Post(
                topic_id=topic.id,
                author_id=authors[i % 4].id,
                position=i,
                body=f"reply {i}",
                body_html=f"<p>reply {i}</p>",
                held=i % 10 == 0,
                hidden=i % 7 == 0,
                deleted_at=stamp if i % 13 == 0 else None,
                created_at=stamp,
            )
            for i in range(1, 201)
        ]
    )
    posts = {p.position: p for p in await Post.filter(topic_id=topic.id)}
    reaction = app_settings.forum_reactions[0]
    for position, post in posts.items():
        if position % 4 == 0:
            await Reaction.create(user_id=authors[1].id, subject_type="Post", subject_id=post.id, reaction=reaction)
        if position % 8 == 0:
            await Reaction.create(user_id=reader.id, subject_type="Post", subject_id=post.id, reaction=reaction)
    return topic, authors, token, posts


async def test_pages_of_20_and_100_of_a_200_post_topic_cost_the_same_queries(gql, factory, app_settings, count_queries):
    topic, _authors, token, _posts = await _topic_of_200_posts(factory, app_settings)
    variables = {"id": gid("Topic", topic.id)}
    await gql(POSTS, {**variables, "first": 1}, token=token)  # sign-in bookkeeping happens once
    counts = {}
    for size in (20, 100):
        with count_queries as counter:
            data = await gql(POSTS, {**variables, "first": size}, token=token)
        assert len(data["node"]["posts"]["nodes"]) == size
        counts[size] = counter.count
    assert counts[20] == counts[100], counts


async def test_a_topics_posts_complete_without_a_loader_call_or_a_model_per_post(
    gql, factory, app_settings, monkeypatch
):
    topic, _authors, token, _posts = await _topic_of_200_posts(factory, app_settings)
    loads: list[object] = []
    built: list[object] = []
    load, init_from_db = DataLoader.load, Post._init_from_db.__func__

    def counting_load(self, key):
        loads.append(key)
        return load(self, key)

    def counting_init(cls, **kwargs):
        built.append(cls)
        return init_from_db(cls, **kwargs)

    monkeypatch.setattr(DataLoader, "load", counting_load)
    monkeypatch.setattr(Post, "_init_from_db", classmethod(counting_init))
    variables = {"id": gid("Topic", topic.id)}
    await gql(POSTS, {**variables, "first": 1}, token=token)
    seen = {}
    for size in (20, 100):
        loads.clear()
        built.clear()
        await gql(POSTS, {**variables, "first": size}, token=token)
        seen[size] = (len(loads), len(built))
    assert seen[20] == seen[100], seen
    assert seen[100][1] == 0, "posts only displayed are read as values, not model instances"


async def test_a_topics_posts_show_each_viewer_what_the_read_policy_allows(gql, factory, app_settings):
    topic, authors, token, posts = await _topic_of_200_posts(factory, app_settings)
    variables = {"id": gid("Topic", topic.id), "first": 100}

    async def read_all(viewer_token):
        nodes, after = [], None
        while True:
            page = (await gql(POSTS, {**variables, "after": after}, token=viewer_token))["node"]["posts"]
            nodes += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return {n["position"]: n for n in nodes}
            after = page["pageInfo"]["endCursor"]

    # A member: no held post of others; hidden and deleted ones keep their place without a body.
    seen = await read_all(token)
    assert set(seen) == {p for p in posts if p % 10}
    for position, node in seen.items():
        readable = position % 7 != 0 and position % 13 != 0
        assert (node["body"] is not None) == readable, node
        assert (node["bodyHtml"] is not None) == readable, node
        assert node["status"] == ("DELETED" if position % 13 == 0 else "HIDDEN" if position % 7 == 0 else "PUBLISHED")
        assert node["id"] == gid("Post", posts[position].id)
        assert node["author"]["username"] == f"writer{position % 4}"
        expected = (
            []
            if position % 4
            else [
                {
                    "reaction": app_settings.forum_reactions[0],
                    "count": 2 if position % 8 == 0 else 1,
                    "viewerReacted": position % 8 == 0,
                }
            ]
        )
        assert node["reactions"] == expected, node
    # The author of every 4th post (writer0) sees their own held posts and their hidden bodies.
    author_token = await factory.token(authors[0])
    mine = await read_all(author_token)
    assert {p for p in mine if p % 10 == 0} == {p for p in posts if p % 10 == 0 and p % 4 == 0}
    assert all(mine[p]["body"] is not None for p in mine if p % 4 == 0 and p % 13 != 0)
    # Staff see everything, bodies included.
    _, staff_token = await factory.member_with_token(role=Role.MODERATOR.value)
    everything = await read_all(staff_token)
    assert set(everything) == set(posts)
    assert all(n["body"] is not None for n in everything.values())
    # Anonymous visitors of a public space: no held post.
    assert set(await read_all(None)) == {p for p in posts if p % 10}


async def test_a_post_read_from_a_topic_list_and_by_node_in_one_operation(gql, factory, app_settings):
    """Rows of a list (values) and a node read by id (a model instance, checked by its policy)
    meet in one operation without mixing."""
    topic, _authors, token, posts = await _topic_of_200_posts(factory, app_settings)
    held = posts[10]
    query = """query($topic: ID!, $post: ID!, $held: ID!) {
      node(id: $topic) { ... on Topic { posts(first: 5) { nodes { id body topic { id } } } } }
      post: node(id: $post) { ... on Post { id body } }
      held: node(id: $held) { ... on Post { id } } }"""
    data = await gql(
        query,
        {"topic": gid("Topic", topic.id), "post": gid("Post", posts[1].id), "held": gid("Post", held.id)},
        token=token,
    )
    nodes = data["node"]["posts"]["nodes"]
    assert nodes[0] == {"id": gid("Post", posts[1].id), "body": "reply 1", "topic": {"id": gid("Topic", topic.id)}}
    assert data["post"] == {"id": gid("Post", posts[1].id), "body": "reply 1"}
    assert data["held"] is None
    assert await Topic.filter(id=topic.id).exists()


@pytest.mark.parametrize(
    ("type_name", "field", "direct"),
    [
        ("Post", "id", True),
        ("Post", "position", True),
        ("Post", "body", True),
        ("Post", "author", True),
        ("Post", "topic", False),  # async
        ("Post", "revisions", False),  # arguments
        ("User", "email", False),  # a permission extension
    ],
)
def test_only_plain_resolvers_are_called_directly(type_name, field, direct):
    from api.settings import Settings
    from schema import build_schema

    schema = build_schema(Settings.from_env({}, env_file=None))
    resolve = schema._schema.type_map[type_name].fields[field].resolve
    assert (resolve.__module__ == "schema.execution") is direct, resolve
