"""The GraphQL over HTTP specification on /graphql: media types by Accept, status codes of
application/graphql-response+json (400 and no `data` for documents that cannot run),
application/json unchanged for older clients, GET for queries only (405 for mutations), cache
headers of GET, JSON bodies for request errors; the CSRF headers that uploads accept.

(The same rules are also checked against a served instance by graphql-http's audit, in
`test_served.py`.)"""

from __future__ import annotations

import json

import pytest

from api.http.view import GRAPHQL_RESPONSE_JSON, JSON, negotiate
from api.models.accounts import AccessToken
from tests.conftest import TEST_PASSWORD

SPEC = {"Accept": GRAPHQL_RESPONSE_JSON}
LEGACY = {"Accept": JSON}
VIEWER_ID = "{ viewer { user { id } } }"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token errors { code } } }"


@pytest.mark.parametrize(
    "accept, chosen",
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9", GRAPHQL_RESPONSE_JSON),  # Apollo Client 4, graphql-http
        (f"{JSON}, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),  # a tie: the spec's own type
        (f"{GRAPHQL_RESPONSE_JSON};q=0.5, {JSON}", JSON),
        ("text/html, application/xhtml+xml, */*;q=0.8", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, {JSON}", JSON),
        ("text/plain", None),
        (f"{GRAPHQL_RESPONSE_JSON};q=0", None),
    ],
)
def test_the_response_media_type_follows_accept(accept, chosen):
    assert negotiate(accept) == chosen


async def test_a_result_under_graphql_response_json(client, factory):
    _user, token = await factory.member_with_token()
    response = await client.post(
        "/graphql", json={"query": VIEWER_ID}, headers={**SPEC, "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
    assert response.json()["data"]["viewer"]["user"]["id"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"query": "{ viewer { "}, "Syntax Error"),
        ({"query": "{ viewer { nope } }"}, "Cannot query field 'nope'"),
        (
            {"query": "query($n: Int!) { users(first: $n) { totalCount } }", "variables": {"n": "ten"}},
            "Variable '$n' has invalid value",
        ),
        ({"query": "query($n: Int!) { users(first: $n) { totalCount } }"}, "Expected a value of non-null type 'Int!'"),
    ],
    ids=["parse", "validation", "variable-type", "variable-missing"],
)
async def test_documents_that_cannot_run_are_400_without_data_and_unchanged_for_json(client, body, message):
    spec = await client.post("/graphql", json=body, headers=SPEC)
    assert spec.status_code == 400, spec.text
    assert spec.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    assert "data" not in spec.json()
    assert message in spec.json()["errors"][0]["message"]
    for headers in (LEGACY, {}):  # older clients: as before, 200 with data null
        legacy = await client.post("/graphql", json=body, headers=headers)
        assert legacy.status_code == 200 and legacy.headers["content-type"] == JSON
        assert legacy.json()["data"] is None and legacy.json()["errors"] == spec.json()["errors"]


async def test_field_errors_keep_data_and_200(client):
    response = await client.post("/graphql", json={"query": '{ users(after: "garbage") { totalCount } }'}, headers=SPEC)
    assert response.status_code == 200
    body = response.json()
    assert "data" in body and body["errors"][0]["message"] == "Invalid cursor."


async def test_unexpected_failures_before_execution_are_500(make_client, monkeypatch):
    from schema import extensions

    async def broken(self):  # the public cache's store fails before anything ran
        raise RuntimeError("cache is down")

    monkeypatch.setattr(extensions.PublicQueryCache, "on_execute", broken)
    http = await make_client(public_cache_seconds=5)
    response = await http.post("/graphql", json={"query": "{ __typename }"}, headers=SPEC)
    assert response.status_code == 500 and "data" not in response.json()
    assert response.json()["errors"] == [{"message": "Internal server error."}]  # not "cache is down"
    legacy = await http.post("/graphql", json={"query": "{ __typename }"}, headers=LEGACY)
    assert legacy.status_code == 200
    assert legacy.json() == {"data": None, "errors": [{"message": "Internal server error."}]}


async def test_request_errors_get_json_bodies_under_graphql_response_json(client):
    bad_json = await client.post("/graphql", content=b"{not json", headers={**SPEC, "content-type": JSON})
    assert bad_json.status_code == 400
    assert bad_json.json() == {"errors": [{"message": "Unable to parse request body as JSON"}]}
    no_query = await client.post("/graphql", json={"variables": {}}, headers=SPEC)
    assert no_query.status_code == 400 and no_query.json()["errors"][0]["message"]
    legacy = await client.post("/graphql", content=b"{not json", headers={**LEGACY, "content-type": JSON})
    assert legacy.status_code == 400 and legacy.text == "Unable to parse request body as JSON"  # as before


async def test_unacceptable_accept_is_406(client):
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


async def test_get_runs_queries_and_refuses_mutations_with_405(client, factory):
    user = await factory.user(username="getter")
    query = await client.get("/graphql", params={"query": '{ user(username: "getter") { username } }'}, headers=SPEC)
    assert query.status_code == 200 and query.json() == {"data": {"user": {"username": "getter"}}}
    variables = await client.get(
        "/graphql",
        params={
            "query": "query($u: String!) { user(username: $u) { username } }",
            "variables": json.dumps({"u": "getter"}),
        },
        headers=LEGACY,
    )
    assert variables.json() == {"data": {"user": {"username": "getter"}}}
    mutation = {"query": LOGIN, "variables": json.dumps({"i": {"login": "getter", "password": TEST_PASSWORD}})}
    for headers in (SPEC, LEGACY):
        refused = await client.get("/graphql", params=mutation, headers=headers)
        assert refused.status_code == 405 and refused.headers["allow"] == "POST"
        assert "POST" in refused.text
    assert await AccessToken.filter(user_id=user.id).count() == 0  # nobody was signed in


async def test_anonymous_get_results_are_cacheable_and_signed_in_ones_are_not(make_client, factory):
    _, token = await factory.member_with_token()
    http = await make_client(public_cache_seconds=30)
    anonymous = await http.get("/graphql", params={"query": "{ __typename }"}, headers=SPEC)
    assert anonymous.headers["cache-control"] == "public, max-age=30"
    assert anonymous.headers["vary"] == "Accept, Authorization"
    signed_in = await http.get(
        "/graphql", params={"query": VIEWER_ID}, headers={**SPEC, "Authorization": f"Bearer {token}"}
    )
    assert signed_in.status_code == 200 and signed_in.json()["data"]["viewer"]["user"]
    assert signed_in.headers["cache-control"] == "private, no-store"
    failed = await http.get("/graphql", params={"query": "{ nope }"}, headers=SPEC)
    assert failed.headers["cache-control"] == "no-cache"
    posted = await http.post("/graphql", json={"query": "{ __typename }"}, headers=SPEC)
    assert "cache-control" not in posted.headers


# -- CSRF header of uploads ---------------------------------------------------------------------


@pytest.mark.parametrize("header", ["GraphQL-Require-Preflight", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"])
async def test_uploads_accept_the_preflight_headers_common_clients_send(client, factory, header):
    from tests.media import samples
    from tests.schema.test_media import UPLOAD

    _, token = await factory.member_with_token()
    operations = {"query": UPLOAD, "variables": {"input": {"file": None, "purpose": "POST", "alt": ""}}}
    form = {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})}
    files = {"0": ("a.png", samples.image_bytes(), "image/png")}
    auth = {"Authorization": f"Bearer {token}"}
    refused = await client.post("/graphql", headers={**auth, header: ""}, data=form, files=files)
    assert refused.status_code == 400 and "Apollo-Require-Preflight" in refused.text  # empty is not enough
    accepted = await client.post("/graphql", headers={**auth, header: "uploadMedia"}, data=form, files=files)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["data"]["uploadMedia"]["mediaFile"]["kind"] == "IMAGE"


async def test_cors_preflight_allows_the_csrf_headers(make_client):
    http = await make_client(cors_origins=("https://app.example.org",))
    preflight = await http.options(
        "/graphql",
        headers={
            "Origin": "https://app.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "apollo-require-preflight, x-apollo-operation-name, content-type",
        },
    )
    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "apollo-require-preflight" in allowed and "x-apollo-operation-name" in allowed
