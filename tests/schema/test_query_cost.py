"""Query cost (schema/cost.py): connections multiply the cost of their items, an operation over
MAX_QUERY_COST is refused before it runs, and `nodes(ids:)` takes at most PAGE_SIZE_MAX ids."""

from __future__ import annotations

from graphql import get_introspection_query, parse

from api.settings import Settings
from schema import build_schema
from schema.cost import operation_cost
from schema.relay import node_global_id

SETTINGS = Settings.from_env({}, env_file=None)


def cost(document: str, variables: dict | None = None, settings: Settings = SETTINGS) -> int:
    return operation_cost(build_schema(settings)._schema, parse(document), None, variables, settings)


def test_connections_multiply_the_cost_of_their_items():
    # users: 1 + pageInfo 1 + 50 × (edges 1 + node 1 + avatar 1); scalars are free.
    assert (
        cost(
            "{ users(first: 50) { totalCount pageInfo { hasNextPage } edges { node { id username avatar { url } } } } }"
        )
        == 152
    )
    assert cost("{ users(last: 10) { nodes { id } } }") == 1 + 10 * 1
    assert cost("{ users { nodes { id } } }") == 1 + SETTINGS.page_size_default
    assert cost("query($n: Int) { users(first: $n) { nodes { id } } }", {"n": 7}) == 8
    assert cost("query($n: Int = 3) { users(first: $n) { nodes { id } } }") == 4
    # Nested connections multiply: 100 topics × 100 posts.
    nested = "{ topics(first: 100) { nodes { posts(first: 100) { nodes { author { username } } } } } }"
    assert cost(nested) == 1 + 100 * (1 + (1 + 100 * (1 + 1)))
    # Fragments count where they are spread; introspection is free.
    assert cost("{ users(first: 5) { nodes { ...u } } } fragment u on User { avatar { url } }") == 1 + 5 * 2
    assert cost(get_introspection_query()) == 0


def test_nodes_cost_one_per_id_and_expensive_fields_weigh_more():
    ids = [node_global_id("User", i) for i in range(40)]
    assert (
        cost("query($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { avatar { url } } } }", {"ids": ids})
        == 1 + 40 * 1
    )
    assert cost('{ revisionDiff(fromRevisionId: "a", toRevisionId: "b") { old { id } } }') == 501


EXPENSIVE = """query($n: Int) { topics(first: $n) { nodes { title
  posts(first: $n) { nodes { body author { username } } } } } }"""


async def test_an_over_budget_query_is_refused_before_it_runs(gql, count_queries):
    expected = cost(EXPENSIVE, {"n": 100})
    with count_queries as counted:
        body = await gql(EXPENSIVE, {"n": 100}, expect_errors=True)
    assert counted.count == 0  # not one SQL statement: refused before execution
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": expected, "limit": 10_000}
    assert f"costs {expected:,}, more than the limit of 10,000 (MAX_QUERY_COST)" in error["message"]
    # Within the budget, the same document runs.
    assert (await gql(EXPENSIVE, {"n": 20}))["topics"]["nodes"] == []


async def test_the_limit_is_a_setting(app_settings):
    import httpx

    from api.app import create_app

    app = create_app(app_settings.replace(max_query_cost=10), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        small = (await http.post("/graphql", json={"query": "{ users(first: 9) { nodes { id } } }"})).json()
        large = (await http.post("/graphql", json={"query": "{ users(first: 10) { nodes { id } } }"})).json()
    assert small == {"data": {"users": {"nodes": []}}}
    assert large["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 11, "limit": 10}


async def test_nodes_takes_at_most_page_size_max_ids(gql, factory, app_settings):
    user = await factory.user()
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    ids = [node_global_id("User", user.id)] * app_settings.page_size_max
    assert len((await gql(query, {"ids": ids}))["nodes"]) == app_settings.page_size_max
    many = [node_global_id("User", i) for i in range(20_000)]
    body = await gql(query, {"ids": many}, expect_errors=True)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "TOO_MANY_IDS", "ids": 20_000, "limit": app_settings.page_size_max}
    assert "takes at most 100 ids; this query has 20,000" in error["message"]
