"""Search through GraphQL against the real Meilisearch: languages, typos, facets,
highlighting, visibility, filter escaping, tenant tokens, synonyms and status."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from api.models.accounts import Committee, CommitteeMembership, Visibility
from api.models.kb import Article
from api.models.search import SearchOutbox
from api.timeutil import now
from schema.relay import node_global_id
from tests.search.helpers import private, published, sync

SEARCH = """
query($q: String!, $kinds: [SearchKind!], $filter: SearchFilterInput, $sort: SearchSort, $first: Int, $after: String) {
  search(query: $q, kinds: $kinds, filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    facets { kinds { value count } tags { value count } spaces { value count } }
    edges { cursor node { kind score highlights { field snippet }
      node { __typename ... on Article { title slug } ... on User { username } ... on Resource { title } } } }
  }
}"""
TOKEN = "{ searchToken { token url expiresAt indexes { kind uid } } }"
SET_SYNONYMS = """
mutation($input: SetSearchSynonymsInput!) { setSearchSynonyms(input: $input) { groups errors { code field } } }"""
STATUS = "{ searchStatus { pending failing lastError rebuilding synonymsApplied synonyms } }"


def titles(data: dict) -> list[str]:
    return [e["node"]["node"].get("title") or e["node"]["node"].get("username") for e in data["search"]["edges"]]


async def test_chinese_query_finds_chinese_text(gql, factory, app_settings):
    author = await factory.user()
    await published(author, app_settings, "社群运营手册", "定期组织活动是社群建设的重要手段。")
    await published(author, app_settings, "Gardening", "Water the tomatoes every morning.")
    await sync(app_settings)
    data = await gql(SEARCH, {"q": "社群活动", "kinds": ["ARTICLE"]})
    assert titles(data) == ["社群运营手册"]
    snippets = {h["field"]: h["snippet"] for h in data["search"]["edges"][0]["node"]["highlights"]}
    assert "<mark>活动</mark>" in snippets["body"] and "<mark>社群</mark>" in snippets["body"]


async def test_typos_are_tolerated(gql, factory, app_settings):
    author = await factory.user()
    await published(author, app_settings, "How the committee works", "The committee meets every month.")
    await sync(app_settings)
    data = await gql(SEARCH, {"q": "comittee", "kinds": ["ARTICLE"]})
    assert titles(data) == ["How the committee works"]
    assert "<mark>committe" in data["search"]["edges"][0]["node"]["highlights"][0]["snippet"]


async def test_facets_pagination_and_union_of_kinds(gql, factory, app_settings):
    author = await factory.user("gardener", bio="I love gardening")
    for index in range(3):
        await published(
            author,
            app_settings,
            f"Gardening tips {index}",
            "Gardening in small spaces.",
            tags=["garden", "spring"] if index else ["garden"],
        )
    await sync(app_settings)
    data = await gql(SEARCH, {"q": "gardening", "first": 2})
    result = data["search"]
    assert result["totalCount"] == 4
    assert {f["value"]: f["count"] for f in result["facets"]["kinds"]} == {"ARTICLE": 3, "MEMBER": 1}
    assert {f["value"]: f["count"] for f in result["facets"]["tags"]} == {"garden": 3, "spring": 2}
    assert result["pageInfo"]["hasNextPage"] is True
    first_page = titles(data)
    rest = await gql(SEARCH, {"q": "gardening", "first": 2, "after": result["pageInfo"]["endCursor"]})
    assert rest["search"]["pageInfo"]["hasNextPage"] is False
    found = first_page + titles(rest)
    assert sorted(found) == sorted(["Gardening tips 0", "Gardening tips 1", "Gardening tips 2", "gardener"])
    typenames = {e["node"]["node"]["__typename"] for e in data["search"]["edges"] + rest["search"]["edges"]}
    assert typenames == {"Article", "User"}


async def test_highlights_are_html_escaped(gql, factory, app_settings):
    author = await factory.user()
    await published(author, app_settings, "Escaping <script>alert(1)</script> safely", "A body about escaping.")
    await sync(app_settings)
    data = await gql(SEARCH, {"q": "escaping", "kinds": ["ARTICLE"]})
    title = next(h for h in data["search"]["edges"][0]["node"]["highlights"] if h["field"] == "title")
    assert title["snippet"] == "<mark>Escaping</mark> &lt;script&gt;alert(1)&lt;/script&gt; safely"


async def test_visibility_filter_on_every_query(gql, factory, app_settings):
    author = await factory.user(role="ADMIN")
    await published(author, app_settings, "Budget public", "budget overview")
    await published(author, app_settings, "Budget members", "budget details", visibility=Visibility.MEMBERS)
    await private(author, app_settings, "Budget moderators", "budget secrets", roles=["MODERATOR"])
    committee = await Committee.create(name="Finance")
    await published(
        author,
        app_settings,
        "Budget committee",
        "budget drafts",
        visibility=Visibility.PRIVATE,
        committee_id=committee.id,
    )
    await sync(app_settings)
    query = {"q": "budget", "kinds": ["ARTICLE"]}
    assert titles(await gql(SEARCH, query)) == ["Budget public"]
    member, token = await factory.member_with_token()
    assert sorted(titles(await gql(SEARCH, query, token=token))) == ["Budget members", "Budget public"]
    await CommitteeMembership.create(committee=committee, user=member, joined_at=now())
    assert sorted(titles(await gql(SEARCH, query, token=token))) == [
        "Budget committee",
        "Budget members",
        "Budget public",
    ]
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    assert sorted(titles(await gql(SEARCH, query, token=mod_token))) == [
        "Budget members",
        "Budget moderators",
        "Budget public",
    ]
    admin_token = await factory.token(author)
    assert len(titles(await gql(SEARCH, query, token=admin_token))) == 4


async def test_filter_values_are_escaped(gql, factory, app_settings):
    author = await factory.user()
    tricky = 'say "hi" or [x]'
    await published(author, app_settings, "Tricky tag", "escaping filters", tags=[tricky])
    await published(author, app_settings, "Plain tag", "escaping filters", tags=["plain"])
    await private(author, app_settings, "Hidden tag", "escaping filters", roles=["ADMIN"])
    await sync(app_settings)
    found = await gql(SEARCH, {"q": "escaping", "filter": {"tags": [tricky]}})
    assert titles(found) == ["Tricky tag"]
    # An attempt to widen the filter is only ever a (non-matching) tag value.
    for attack in [
        'x" OR visibility = "PRIVATE',
        "x OR visibility = PRIVATE",
        'x"] OR tags EXISTS OR ["',
        "\\",
        'plain\\" OR "1"="1',
    ]:
        data = await gql(SEARCH, {"q": "escaping", "filter": {"tags": [attack]}})
        assert data["search"]["edges"] == [], attack


async def test_bad_input_gives_errors(gql, factory, app_settings):
    for variables, needle in (
        ({"q": "   "}, "Enter something"),
        ({"q": "x" * (app_settings.search_query_max_length + 1)}, "at most"),
        (
            {"q": "a", "filter": {"createdAfter": "2026-01-02T00:00:00Z", "createdBefore": "2026-01-01T00:00:00Z"}},
            "createdAfter",
        ),
        ({"q": "a", "filter": {"spaceIds": ["not-an-id"]}}, "Malformed id"),
        ({"q": "a", "first": 1000}, "between"),
    ):
        body = await gql(SEARCH, variables, expect_errors=True)
        assert needle in body["errors"][0]["message"], (variables, body["errors"])
    unknown_sort = await gql('{ search(query: "a", sort: POPULAR) { totalCount } }', expect_errors=True)
    assert "POPULAR" in unknown_sort["errors"][0]["message"]
    unknown_sort = await gql(SEARCH, {"q": "a", "sort": "POPULAR"}, expect_errors=True)
    assert "'POPULAR' does not exist in 'SearchSort'" in unknown_sort["errors"][0]["message"]


async def test_sort_and_author_and_date_filters(gql, factory, app_settings):
    alice, bob = await factory.user(), await factory.user()
    older = await published(alice, app_settings, "Recipe one", "soup recipe")
    await Article.filter(id=older.id).update(published_at=now() - timedelta(days=1))
    await published(bob, app_settings, "Recipe two", "soup recipe")
    await sync(app_settings)
    newest = await gql(SEARCH, {"q": "soup", "kinds": ["ARTICLE"], "sort": "NEWEST"})
    oldest = await gql(SEARCH, {"q": "soup", "kinds": ["ARTICLE"], "sort": "OLDEST"})
    assert titles(oldest) == ["Recipe one", "Recipe two"]
    assert titles(newest) == ["Recipe two", "Recipe one"]
    bob_id = (await gql("query($u: String!) { user(username: $u) { id } }", {"u": bob.username}))["user"]["id"]
    by_bob = await gql(SEARCH, {"q": "soup", "filter": {"authorId": bob_id}, "kinds": ["ARTICLE"]})
    assert titles(by_bob) == ["Recipe two"]
    future = await gql(SEARCH, {"q": "soup", "filter": {"createdAfter": "2999-01-01T00:00:00Z"}})
    assert future["search"]["edges"] == []


async def test_member_tenant_token_cannot_read_private_documents(gql, factory, app_settings):
    author = await factory.user(role="ADMIN")
    await published(author, app_settings, "Picnic plan", "picnic for everyone")
    await private(author, app_settings, "Picnic budget", "picnic money for staff", roles=["MODERATOR"])
    await sync(app_settings)
    _, token = await factory.member_with_token()
    issued = (await gql(TOKEN, token=token))["searchToken"]
    lifetime = datetime.fromisoformat(issued["expiresAt"]) - now()
    assert timedelta(0) < lifetime <= timedelta(seconds=app_settings.search_token_ttl_seconds)
    uid = next(i["uid"] for i in issued["indexes"] if i["kind"] == "ARTICLE")
    async with httpx.AsyncClient(base_url=issued["url"]) as meili:
        headers = {"Authorization": f"Bearer {issued['token']}"}
        response = await meili.post(f"/indexes/{uid}/search", json={"q": "picnic"}, headers=headers)
        assert response.status_code == 200
        assert [h["title"] for h in response.json()["hits"]] == ["Picnic plan"]
        # The token's own filter cannot be lifted by a query filter.
        widened = await meili.post(
            f"/indexes/{uid}/search", headers=headers, json={"q": "picnic", "filter": 'visibility = "PRIVATE"'}
        )
        assert widened.json()["hits"] == []
        # Nor does it open indexes outside the installation, or admin routes.
        assert (await meili.get("/keys", headers=headers)).status_code in (401, 403)
    admin_token = await factory.token(author)
    issued = (await gql(TOKEN, token=admin_token))["searchToken"]
    async with httpx.AsyncClient(base_url=issued["url"]) as meili:
        response = await meili.post(
            f"/indexes/{uid}/search", json={"q": "picnic"}, headers={"Authorization": f"Bearer {issued['token']}"}
        )
        assert sorted(h["title"] for h in response.json()["hits"]) == ["Picnic budget", "Picnic plan"]


async def test_synonyms_are_admin_only_stored_and_applied(gql, factory, app_settings):
    author = await factory.user()
    await published(author, app_settings, "委员会章程", "委员会的职责")
    await sync(app_settings)
    assert titles(await gql(SEARCH, {"q": "committee", "kinds": ["ARTICLE"]})) == []
    variables = {"input": {"groups": [["Committee", "委员会"]]}}
    for role in ("MEMBER", "MODERATOR"):
        _, token = await factory.member_with_token(role=role)
        refused = (await gql(SET_SYNONYMS, variables, token=token))["setSearchSynonyms"]
        assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["groups"] is None
    _, admin = await factory.member_with_token(role="ADMIN")
    assert (await gql(STATUS, token=admin))["searchStatus"]["synonyms"] == []
    done = (await gql(SET_SYNONYMS, variables, token=admin))["setSearchSynonyms"]
    assert done == {"groups": [["committee", "委员会"]], "errors": []}
    assert titles(await gql(SEARCH, {"q": "committee", "kinds": ["ARTICLE"]})) == ["委员会章程"]
    status = (await gql(STATUS, token=admin))["searchStatus"]
    assert status["synonyms"] == [["committee", "委员会"]] and status["synonymsApplied"] is True
    bad = (await gql(SET_SYNONYMS, {"input": {"groups": [["lonely"]]}}, token=admin))["setSearchSynonyms"]
    assert bad["errors"][0]["field"] == "groups"


async def test_search_status_is_for_admins(gql, factory, app_settings):
    author = await factory.user()
    await published(author, app_settings, "Pending", "not pushed yet")
    _, token = await factory.member_with_token()
    refused = await gql(STATUS, token=token, expect_errors=True)
    assert refused["errors"][0]["message"] == "This needs the admin role."
    _, admin = await factory.member_with_token(role="ADMIN")
    status = (await gql(STATUS, token=admin))["searchStatus"]
    assert status["pending"] == await SearchOutbox.all().count() > 0
    assert status["lastError"] is None and status["rebuilding"] is False


async def test_a_page_of_hits_costs_the_same_whatever_its_size(gql, factory, app_settings, count_queries):
    author = await factory.user("lighthouse")
    for index in range(50):
        await published(author, app_settings, f"Lighthouse log {index}", "lighthouse keeper notes")
    await sync(app_settings)
    _, token = await factory.member_with_token()
    await gql("{ viewer { user { id } } }", token=token)  # the first request records last_seen_at
    costs = []
    for size in (5, 50):
        with count_queries as counter:
            data = await gql(SEARCH, {"q": "lighthouse", "first": size}, token=token)
        assert len(data["search"]["edges"]) == size
        costs.append(counter.count)
    assert costs[0] == costs[1]


async def test_forum_topics_join_the_union_with_space_facets(gql, factory, app_settings):
    from api.models.accounts import Role
    from tests.domain.forum_helpers import make_space, make_topic

    admin = await factory.user(role="ADMIN")
    public = await make_space(admin, "Open lounge")
    hidden = await make_space(admin, "Staff room", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    await make_topic(admin, public, app_settings, title="Kayak trip this summer", body="Who wants to kayak?")
    await make_topic(admin, hidden, app_settings, title="Kayak budget", body="kayak costs")
    await published(admin, app_settings, "Kayak safety", "kayak rules")
    await sync(app_settings)
    _, token = await factory.member_with_token()
    data = await gql(SEARCH, {"q": "kayak"}, token=token)
    found = {(e["node"]["node"]["__typename"], e["node"]["kind"]) for e in data["search"]["edges"]}
    assert found == {("Topic", "TOPIC"), ("Article", "ARTICLE")}
    space_gid = node_global_id("Space", public.id)
    assert data["search"]["facets"]["spaces"] == [{"value": space_gid, "count": 1}]
    only_space = await gql(SEARCH, {"q": "kayak", "filter": {"spaceIds": [space_gid]}}, token=token)
    assert [e["node"]["kind"] for e in only_space["search"]["edges"]] == ["TOPIC"]
