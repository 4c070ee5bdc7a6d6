"""Content the gate holds or censors never reaches the search index as written."""

from __future__ import annotations

from schema.relay import node_global_id as gid
from tests.domain.forum_helpers import make_space
from tests.search.helpers import sync

SEARCH = """query($q: String!) { search(query: $q, kinds: [TOPIC]) { totalCount
  edges { node { highlights { field snippet } } } } }"""
CREATE = (
    """mutation($input: CreateTopicInput!) { createTopic(input: $input) { topic { id status } errors { code } } }"""
)
EDIT = """mutation($input: EditTopicInput!) { editTopic(input: $input) { topic { status } errors { code } } }"""
ADD_RULE = """mutation($input: AddFilterRuleInput!) { addFilterRule(input: $input) { errors { code } } }"""


async def test_an_edit_held_for_review_leaves_the_index(gql, factory, app_settings):
    """Found: a clean topic edited to add a watched word and a link stayed published and indexed."""
    admin, admin_token = await factory.member_with_token(role="ADMIN")
    space = await make_space(admin, "Open")
    _, token = await factory.member_with_token()
    _, reader = await factory.member_with_token()
    await gql(
        ADD_RULE, {"input": {"kind": "WORD", "pattern": "casino", "action": "REQUIRE_APPROVAL"}}, token=admin_token
    )
    topic = (
        await gql(
            CREATE,
            {"input": {"spaceId": gid("Space", space.id), "title": "Tomatoes", "body": "Tomatoes need sun."}},
            token=token,
        )
    )["createTopic"]["topic"]
    await sync(app_settings)
    assert (await gql(SEARCH, {"q": "tomatoes"}, token=reader))["search"]["totalCount"] == 1
    edited = await gql(
        EDIT, {"input": {"topicId": topic["id"], "body": "Tomatoes casino https://spam.example"}}, token=token
    )
    assert edited["editTopic"]["topic"]["status"] == "HELD"
    await sync(app_settings)
    for query in ("tomatoes", "casino"):
        assert (await gql(SEARCH, {"q": query}, token=reader))["search"]["totalCount"] == 0, query


async def test_censored_words_are_not_searchable(gql, factory, app_settings):
    admin, admin_token = await factory.member_with_token(role="ADMIN")
    space = await make_space(admin, "Open")
    _, token = await factory.member_with_token()
    await gql(ADD_RULE, {"input": {"kind": "WORD", "pattern": "darn", "action": "CENSOR"}}, token=admin_token)
    created = (
        await gql(
            CREATE,
            {"input": {"spaceId": gid("Space", space.id), "title": "Kettles", "body": "This darn kettle leaks."}},
            token=token,
        )
    )["createTopic"]
    assert created["topic"]["status"] == "PUBLISHED"
    await sync(app_settings)
    assert (await gql(SEARCH, {"q": "darn"}, token=token))["search"]["totalCount"] == 0
    found = (await gql(SEARCH, {"q": "kettle leaks"}, token=token))["search"]
    snippets = " ".join(h["snippet"] for e in found["edges"] for h in e["node"]["highlights"])
    assert found["totalCount"] == 1 and "darn" not in snippets
