"""Persisted queries: Apollo's automatic persisted queries (in memory, and shared through Redis
by two app processes), GET for hash-only queries, only documents that validated are kept;
registered operations from manifests (`guildhall persist-queries`, Apollo's and GraphQL Code
Generator's formats, --prune, nothing registered when one document is bad) and the
PERSISTED_QUERIES_ONLY mode.

(Apollo Client's own persisted-queries link is run against a served instance in `test_served.py`.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from api.http.commands import ManifestError, parse_manifest, register
from api.http.persisted import sha256_hex
from api.models.persisted import PersistedOperation
from api.settings import ROOT

SPEC = {"Accept": "application/graphql-response+json"}
LEGACY = {"Accept": "application/json"}


def _query() -> str:
    """A document no other test (or run) has sent: the APQ store is content-addressed."""
    return f"query Probe{uuid.uuid4().hex[:12]} {{ __typename }}"


def _apq(digest: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_automatic_persisted_queries_round_trip(client):
    query = _query()
    digest = sha256_hex(query)
    missing = await client.post("/graphql", json={"extensions": _apq(digest)}, headers=LEGACY)
    assert missing.status_code == 200  # as Apollo Server answers older clients
    assert missing.json() == {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }
    assert "no-cache" in missing.headers["cache-control"]
    spec_missing = await client.get("/graphql", params={"extensions": json.dumps(_apq(digest))}, headers=SPEC)
    assert spec_missing.status_code == 404 and "data" not in spec_missing.json()
    assert spec_missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"

    registered = await client.post("/graphql", json={"query": query, "extensions": _apq(digest)}, headers=SPEC)
    assert registered.status_code == 200 and registered.json() == {"data": {"__typename": "Query"}}
    by_post = await client.post("/graphql", json={"extensions": _apq(digest)}, headers=SPEC)
    assert by_post.json() == {"data": {"__typename": "Query"}}
    by_get = await client.get("/graphql", params={"extensions": json.dumps(_apq(digest))}, headers=SPEC)
    assert by_get.status_code == 200 and by_get.json() == {"data": {"__typename": "Query"}}


async def test_a_hash_that_is_not_the_documents_is_refused_and_nothing_kept(client):
    query, other = _query(), _query()
    wrong = await client.post("/graphql", json={"query": query, "extensions": _apq(sha256_hex(other))}, headers=SPEC)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["message"] == "provided sha does not match query"
    for digest in (sha256_hex(query), sha256_hex(other)):
        after = await client.post("/graphql", json={"extensions": _apq(digest)}, headers=SPEC)
        assert after.status_code == 404


async def test_only_documents_that_validated_are_kept(client):
    invalid = f"query Bad{uuid.uuid4().hex[:8]} {{ noSuchField }}"
    digest = sha256_hex(invalid)
    first = await client.post("/graphql", json={"query": invalid, "extensions": _apq(digest)}, headers=SPEC)
    assert first.status_code == 400
    again = await client.post("/graphql", json={"extensions": _apq(digest)}, headers=SPEC)
    assert again.status_code == 404 and again.json()["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_long_documents_run_but_are_not_kept(client):
    query = f"query Long{uuid.uuid4().hex[:8]} {{ __typename }} # {'x' * 70_000}"
    digest = sha256_hex(query)
    ran = await client.post("/graphql", json={"query": query, "extensions": _apq(digest)}, headers=SPEC)
    assert ran.status_code == 200 and ran.json() == {"data": {"__typename": "Query"}}
    assert (await client.post("/graphql", json={"extensions": _apq(digest)}, headers=SPEC)).status_code == 404


async def test_mutations_by_hash_run_with_post_only(client, factory):
    user = await factory.user()
    mutation = f"mutation M{uuid.uuid4().hex[:8]}($i: LoginInput!) {{ login(input: $i) {{ errors {{ code }} }} }}"
    digest = sha256_hex(mutation)
    variables = {"i": {"login": user.username, "password": "wrong-password-123"}}
    first = await client.post(
        "/graphql", json={"query": mutation, "variables": variables, "extensions": _apq(digest)}, headers=SPEC
    )
    assert first.json()["data"]["login"]["errors"] == [{"code": "UNAUTHENTICATED"}]
    by_get = await client.get(
        "/graphql", params={"extensions": json.dumps(_apq(digest)), "variables": json.dumps(variables)}, headers=SPEC
    )
    assert by_get.status_code == 405


async def test_clients_may_not_register_when_the_cache_is_off(make_client):
    http = await make_client(persisted_queries_cache_seconds=0)
    query = _query()
    digest = sha256_hex(query)
    refused = await http.post("/graphql", json={"extensions": _apq(digest)}, headers=LEGACY)
    assert refused.status_code == 200 and refused.json()["errors"][0]["message"] == "PersistedQueryNotSupported"
    ran = await http.post("/graphql", json={"query": query, "extensions": _apq(digest)}, headers=LEGACY)
    assert ran.json() == {"data": {"__typename": "Query"}}
    still = await http.post("/graphql", json={"extensions": _apq(digest)}, headers=SPEC)
    assert still.status_code == 400 and still.json()["errors"][0]["message"] == "PersistedQueryNotSupported"


async def test_bad_persisted_query_extensions_are_400(client):
    for extensions in (
        {"persistedQuery": {"version": 2, "sha256Hash": "ab"}},
        {"persistedQuery": "x"},
        {"persistedQuery": {"version": 1}},
    ):
        response = await client.post("/graphql", json={"extensions": extensions}, headers=SPEC)
        assert response.status_code == 400, extensions


async def test_two_processes_share_automatic_persisted_queries_through_redis(make_client):
    from tests.platform.test_redis import REDIS_URL, _connect

    await (await _connect()).aclose()  # skips when Redis does not answer
    one = await make_client(lifespan=True, redis_url=REDIS_URL)
    two = await make_client(lifespan=True, redis_url=REDIS_URL)
    query = _query()
    digest = sha256_hex(query)
    assert (
        await one.post("/graphql", json={"query": query, "extensions": _apq(digest)}, headers=SPEC)
    ).status_code == 200
    answer = await two.post("/graphql", json={"extensions": _apq(digest)}, headers=SPEC)
    assert answer.json() == {"data": {"__typename": "Query"}}
    import redis.asyncio as aioredis

    raw = aioredis.from_url(REDIS_URL, decode_responses=True)
    try:
        assert 0 < await raw.ttl(f"guildhall:apq:{digest}") <= 86400
        await raw.delete(f"guildhall:apq:{digest}")
    finally:
        await raw.aclose()


# -- registered operations ------------------------------------------------------------------

VIEWER = "query Viewer { viewer { user { id } } }"
USERS = "query Users($first: Int) { users(first: $first) { totalCount } }"
LOGIN = "mutation Login($input: LoginInput!) { login(input: $input) { token errors { code } } }"


def _apollo_manifest(*bodies: str) -> str:
    return json.dumps(
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [
                {"id": sha256_hex(b), "body": b, "name": b.split()[1].split("(")[0], "type": b.split()[0]}
                for b in bodies
            ],
        }
    )


async def test_manifests_register_once_and_prune(clean_db):
    first = await register(parse_manifest(_apollo_manifest(VIEWER, USERS), clean_db))
    assert sorted(first.added) == sorted([sha256_hex(VIEWER), sha256_hex(USERS)]) and first.known == 0
    again = await register(parse_manifest(_apollo_manifest(VIEWER, USERS), clean_db))
    assert again.added == [] and again.known == 2
    codegen = json.dumps({sha256_hex(LOGIN): LOGIN, sha256_hex(VIEWER): VIEWER})  # client preset's format
    pruned = await register(parse_manifest(codegen, clean_db), prune=True)
    assert pruned.added == [sha256_hex(LOGIN)] and pruned.known == 1 and pruned.removed == 1
    rows = await PersistedOperation.all().order_by("name").values_list("name", "operation_type", "sha256")
    assert rows == [("Login", "mutation", sha256_hex(LOGIN)), ("Viewer", "query", sha256_hex(VIEWER))]


@pytest.mark.parametrize(
    "manifest, error",
    [
        ("{not json", "not JSON"),
        (json.dumps({"a": "query { nope }"}), "Cannot query field 'nope'"),
        (json.dumps({"a": "query {"}), "Syntax Error"),
        (json.dumps({"0" * 64: VIEWER}), "is not the hash of its body"),
        (json.dumps({"operations": [{"id": "x"}]}), "has no body"),
        (json.dumps([VIEWER]), "expected an Apollo persisted query manifest"),
    ],
    ids=["json", "validation", "syntax", "hash", "body", "shape"],
)
async def test_a_bad_manifest_registers_nothing(clean_db, manifest, error):
    good_then_bad = manifest
    with pytest.raises(ManifestError, match=error):
        operations = parse_manifest(good_then_bad, clean_db)
        await register(operations)
    assert await PersistedOperation.all().count() == 0


async def test_an_id_registered_with_another_document_is_refused(clean_db):
    await register(parse_manifest(json.dumps({"op-1": VIEWER}), clean_db))
    with pytest.raises(ManifestError, match="registered with another document"):
        await register(parse_manifest(json.dumps({"op-2": USERS, "op-1": USERS}), clean_db))
    assert await PersistedOperation.all().values_list("id", flat=True) == ["op-1"]  # op-2 rolled back


async def test_only_registered_operations_run_when_locked_down(make_client, factory, clean_db):
    user, token = await factory.member_with_token()
    await register(parse_manifest(_apollo_manifest(VIEWER, LOGIN), clean_db))
    http = await make_client(persisted_queries_only=True)
    auth = {**SPEC, "Authorization": f"Bearer {token}"}
    by_hash = await http.post("/graphql", json={"extensions": _apq(sha256_hex(VIEWER))}, headers=auth)
    assert by_hash.json() == {"data": {"viewer": {"user": {"id": by_hash.json()["data"]["viewer"]["user"]["id"]}}}}
    by_get = await http.get("/graphql", params={"extensions": json.dumps(_apq(sha256_hex(VIEWER)))}, headers=auth)
    assert by_get.status_code == 200 and by_get.json() == by_hash.json()
    whole = await http.post("/graphql", json={"query": VIEWER}, headers=auth)  # the registered text, sent whole
    assert whole.json() == by_hash.json()
    login = await http.post(
        "/graphql",
        json={
            "extensions": _apq(sha256_hex(LOGIN)),
            "variables": {"input": {"login": user.username, "password": "not-the-password"}},
        },
        headers=SPEC,
    )
    assert login.json()["data"]["login"]["errors"] == [{"code": "UNAUTHENTICATED"}]

    other = "query Other { __typename }"
    refused = await http.post("/graphql", json={"query": other}, headers=SPEC)
    assert refused.status_code == 403 and "data" not in refused.json()
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    apq = await http.post("/graphql", json={"query": other, "extensions": _apq(sha256_hex(other))}, headers=SPEC)
    assert apq.status_code == 403  # clients cannot register anything
    unknown = await http.post("/graphql", json={"extensions": _apq(sha256_hex(other))}, headers=SPEC)
    assert unknown.status_code == 404
    legacy = await http.post("/graphql", json={"query": other}, headers=LEGACY)
    assert (
        legacy.status_code == 403 and legacy.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    )


async def test_persist_queries_command(tmp_path, clean_db):
    """The CLI on this run's database: registers, reports, refuses a bad file with one line."""
    import asyncio

    manifest = tmp_path / "persisted-query-manifest.json"
    manifest.write_text(_apollo_manifest(USERS), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR", "GUILDHALL_CACHE"}}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=clean_db.database_url,
        SECRET_KEY=clean_db.secret_key,
        MEILI_URL=clean_db.meili_url or "",
        MEILI_MASTER_KEY=clean_db.meili_master_key,
        DATA_DIR=str(tmp_path),
    )
    command = [str(Path(sys.executable).parent / "guildhall"), "persist-queries", str(manifest)]

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    done = await asyncio.to_thread(run)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1 operations registered, 0 already known"
    assert await PersistedOperation.all().values_list("id", flat=True) == [sha256_hex(USERS)]
    manifest.write_text(json.dumps({"x": "{ nope }"}), encoding="utf-8")
    bad = await asyncio.to_thread(run)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert "Cannot query field 'nope'" in bad.stderr and "Traceback" not in bad.stderr
    assert await PersistedOperation.all().count() == 1


async def test_websocket_operations_are_locked_down_too(app_settings, factory, clean_db):
    """graphql-transport-ws: a registered subscription runs (by hash too); anything else is
    refused for its id, and the connection stays up."""
    import asyncio

    from websockets.asyncio.client import connect

    from api.app import create_app
    from api.domain.notifications import notify
    from tests.platform.conftest import first_message, serving

    subscription = "subscription Notified { notificationAdded { kind } }"
    await register(parse_manifest(json.dumps({sha256_hex(subscription): subscription}), clean_db))
    user, token = await factory.member_with_token()
    app = create_app(app_settings.replace(persisted_queries_only=True), manage_db=False)
    async with (
        serving(app) as port,
        connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "free",
                    "type": "subscribe",
                    "payload": {"query": "subscription { notificationAdded { message } }"},
                }
            )
        )
        refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert refused["id"] == "free" and refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
        await ws.send(
            json.dumps({"id": "hashed", "type": "subscribe", "payload": {"extensions": _apq(sha256_hex(subscription))}})
        )
        message = await first_message(ws, lambda: notify(user.id, "test.locked", message="hi"))
        assert message == {
            "id": "hashed",
            "type": "next",
            "payload": {"data": {"notificationAdded": {"kind": "test.locked"}}},
        }
