"""Knowledge base through GraphQL: documents, refusals with nothing changed, query counts."""

from __future__ import annotations

from api.models.accounts import User
from api.models.kb import Article, ArticleAuthor, ArticleRevision, ArticleStatus, Category, Resource

CREATE = """
mutation($input: CreateArticleInput!) {
  createArticle(input: $input) { article { id slug status revisionNumber authors { username } }
    errors { field code message } }
}"""
UPDATE = """
mutation($input: UpdateArticleInput!) {
  updateArticle(input: $input) { article { id title body bodyHtml revisionNumber } errors { field code } }
}"""
PUBLISH = """
mutation($input: ArticleActionInput!) { publishArticle(input: $input) { article { status publishedAt } errors { code } } }
"""
RESTORE = """
mutation($input: RestoreRevisionInput!) { restoreRevision(input: $input) { article { body revisionNumber } errors { code } } }
"""
ARTICLE = """
query($slug: String!) {
  article(slug: $slug) { id title viewerCanEdit category { name path { name } }
    revisions(first: 10) { totalCount nodes { id number message author { username } } } }
}"""
DIFF = """
query($a: ID!, $b: ID!) {
  revisionDiff(fromRevisionId: $a, toRevisionId: $b) { added removed titleChanged lines { change text } unified }
}"""
ARTICLES = """
query($first: Int) {
  articles(first: $first) { totalCount edges { node { id title tags status
    category { name parent { name } } authors { username } viewerCanEdit } } }
}"""
RESOURCES = """
query($first: Int) {
  resources(first: $first) { edges { node { id title kind url createdBy { username } category { name } } } }
}"""
CREATE_CATEGORY = """
mutation($input: CreateKbCategoryInput!) { createKbCategory(input: $input) { category { id name slug } errors { code } } }
"""
CREATE_RESOURCE = """
mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id kind url tags } errors { field code } } }
"""
DELETE_RESOURCE = """
mutation($input: DeleteResourceInput!) { deleteResource(input: $input) { deletedId errors { code } } }
"""


async def test_write_publish_edit_diff_and_restore(gql, factory):
    alice, token = await factory.member_with_token()
    created = (
        await gql(
            CREATE, {"input": {"title": "Meeting guide", "body": "Be *on time*.", "tags": ["Meetings"]}}, token=token
        )
    )["createArticle"]
    assert created["errors"] == []
    article = created["article"]
    assert (article["slug"], article["status"], article["revisionNumber"]) == ("meeting-guide", "DRAFT", 1)
    assert article["authors"] == [{"username": alice.username}]
    assert (await gql(ARTICLE, {"slug": "meeting-guide"}))["article"] is None  # drafts stay private
    published = (await gql(PUBLISH, {"input": {"articleId": article["id"]}}, token=token))["publishArticle"]
    assert published["article"]["status"] == "PUBLISHED" and published["errors"] == []
    updated = (
        await gql(
            UPDATE,
            {"input": {"articleId": article["id"], "body": "Be **early**.", "message": "stricter", "baseRevision": 1}},
            token=token,
        )
    )["updateArticle"]
    assert updated["article"]["bodyHtml"] == "<p>Be <strong>early</strong>.</p>\n"
    assert updated["article"]["revisionNumber"] == 2
    view = (await gql(ARTICLE, {"slug": "meeting-guide"}, token=token))["article"]
    assert view["viewerCanEdit"] is True
    revisions = view["revisions"]["nodes"]
    assert [(r["number"], r["message"]) for r in revisions] == [(2, "stricter"), (1, "Created")]
    diff = (await gql(DIFF, {"a": revisions[1]["id"], "b": revisions[0]["id"]}))["revisionDiff"]
    assert diff["lines"] == [
        {"change": "REMOVED", "text": "Be *on time*."},
        {"change": "ADDED", "text": "Be **early**."},
    ]
    restored = (await gql(RESTORE, {"input": {"revisionId": revisions[1]["id"]}}, token=token))["restoreRevision"]
    assert restored["article"] == {"body": "Be *on time*.", "revisionNumber": 3}
    anonymous_view = (await gql(ARTICLE, {"slug": "meeting-guide"}))["article"]
    assert anonymous_view["viewerCanEdit"] is False and anonymous_view["revisions"]["totalCount"] == 3


async def test_refusals_change_nothing(gql, factory, app_settings):
    _alice, alice_token = await factory.member_with_token()
    created = await gql(CREATE, {"input": {"title": "Rules", "body": "Be kind."}}, token=alice_token)
    article_id = created["createArticle"]["article"]["id"]
    await gql(PUBLISH, {"input": {"articleId": article_id}}, token=alice_token)

    anonymous = (await gql(CREATE, {"input": {"title": "Spam", "body": "spam"}}))["createArticle"]
    assert anonymous["errors"][0]["code"] == "UNAUTHENTICATED" and anonymous["article"] is None
    assert await Article.all().count() == 1

    _, bob_token = await factory.member_with_token()
    refused = await gql(UPDATE, {"input": {"articleId": article_id, "body": "Be mean."}}, token=bob_token)
    assert refused["updateArticle"]["errors"][0]["code"] == "FORBIDDEN"
    assert refused["updateArticle"]["article"] is None
    assert (await Article.get(slug="rules")).body == "Be kind."
    assert await ArticleRevision.all().count() == 1

    empty = await gql(
        UPDATE,
        {"input": {"articleId": article_id, "title": " ", "body": "x" * (app_settings.max_body_length + 1)}},
        token=alice_token,
    )
    assert {e["field"] for e in empty["updateArticle"]["errors"]} == {"title", "body"}
    assert (await Article.get(slug="rules")).revision_number == 1

    category = (await gql(CREATE_CATEGORY, {"input": {"name": "Policies"}}, token=bob_token))["createKbCategory"]
    assert category["errors"][0]["code"] == "FORBIDDEN" and await Category.all().count() == 0
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    category = (await gql(CREATE_CATEGORY, {"input": {"name": "Policies"}}, token=mod_token))["createKbCategory"]
    assert category["category"]["slug"] == "policies"

    resource = await gql(
        CREATE_RESOURCE,
        {"input": {"title": "Handbook", "kind": "LINK", "url": "https://example.org/h"}},
        token=alice_token,
    )
    resource_id = resource["createResource"]["resource"]["id"]
    refused = await gql(DELETE_RESOURCE, {"input": {"resourceId": resource_id}}, token=bob_token)
    assert refused["deleteResource"]["errors"][0]["code"] == "FORBIDDEN"
    assert await Resource.all().count() == 1
    done = await gql(DELETE_RESOURCE, {"input": {"resourceId": resource_id}}, token=mod_token)
    assert done["deleteResource"]["deletedId"] == resource_id and await Resource.all().count() == 0


async def test_node_lookup_hides_drafts_and_private_articles(gql, factory):
    _, token = await factory.member_with_token()
    draft_id = (await gql(CREATE, {"input": {"title": "Secret draft", "body": "wip"}}, token=token))["createArticle"][
        "article"
    ]["id"]
    query = "query($id: ID!) { node(id: $id) { id ... on Article { title } } }"
    assert (await gql(query, {"id": draft_id}, token=token))["node"]["title"] == "Secret draft"
    _, other = await factory.member_with_token()
    assert (await gql(query, {"id": draft_id}, token=other))["node"] is None
    assert (await gql(query, {"id": draft_id}))["node"] is None


async def _library(count: int, author: User, categories: list[Category]) -> None:
    for i in range(count):
        article = await Article.create(
            title=f"Article {i}",
            slug=f"article-{i}-{author.id}",
            body="text",
            tags=["t"],
            status=ArticleStatus.PUBLISHED,
            category=categories[i % len(categories)],
            created_by=author,
        )
        await ArticleAuthor.create(article=article, user=author)
        await Resource.create(
            title=f"Resource {i}",
            kind="LINK",
            url="https://example.org",
            created_by=author,
            category=categories[i % len(categories)],
        )


async def test_lists_cost_the_same_whatever_the_page_size(gql, factory, count_queries):
    author = await factory.user()
    root = await Category.create(name="Root", slug="root")
    categories = [await Category.create(name=f"C{i}", slug=f"c{i}", parent=root) for i in range(3)]
    await _library(50, author, categories)
    _, token = await factory.member_with_token()
    await gql("{ viewer { user { id } } }", token=token)  # the first request records last_seen_at
    costs = {}
    for size in (5, 50):
        with count_queries as counter:
            data = await gql(ARTICLES, {"first": size}, token=token)
        assert len(data["articles"]["edges"]) == size
        costs[("articles", size)] = counter.count
        with count_queries as counter:
            data = await gql(RESOURCES, {"first": size}, token=token)
        assert len(data["resources"]["edges"]) == size
        costs[("resources", size)] = counter.count
    assert costs[("articles", 5)] == costs[("articles", 50)]
    assert costs[("resources", 5)] == costs[("resources", 50)]


REFUSALS = [
    ("updateKbCategory", "UpdateKbCategoryInput", {"categoryId": "{category}", "name": "Mine"}, "FORBIDDEN"),
    ("deleteKbCategory", "DeleteKbCategoryInput", {"categoryId": "{category}"}, "FORBIDDEN"),
    ("publishArticle", "ArticleActionInput", {"articleId": "{draft}"}, "NOT_FOUND"),
    ("archiveArticle", "ArticleActionInput", {"articleId": "{article}"}, "FORBIDDEN"),
    ("deleteArticle", "ArticleActionInput", {"articleId": "{article}"}, "FORBIDDEN"),
    ("restoreRevision", "RestoreRevisionInput", {"revisionId": "{revision}"}, "FORBIDDEN"),
    ("updateResource", "UpdateResourceInput", {"resourceId": "{resource}", "title": "Mine"}, "FORBIDDEN"),
    ("deleteResource", "DeleteResourceInput", {"resourceId": "{resource}"}, "FORBIDDEN"),
]


async def _snapshot() -> tuple:
    return (
        [
            tuple(r)
            for r in await Article.all().order_by("id").values_list("title", "status", "revision_number", "body")
        ],
        await ArticleRevision.all().count(),
        [tuple(r) for r in await Category.all().order_by("id").values_list("name", "slug")],
        [tuple(r) for r in await Resource.all().order_by("id").values_list("title", "url")],
    )


async def test_every_mutation_refuses_members_without_the_right(gql, factory):
    from api.models.accounts import Sanction, SanctionKind
    from schema.relay import node_global_id

    alice, alice_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    category = (await gql(CREATE_CATEGORY, {"input": {"name": "Guides"}}, token=mod_token))["createKbCategory"][
        "category"
    ]["id"]
    article = (await gql(CREATE, {"input": {"title": "Shared", "body": "v1"}}, token=alice_token))["createArticle"][
        "article"
    ]["id"]
    await gql(PUBLISH, {"input": {"articleId": article}}, token=alice_token)
    await gql(UPDATE, {"input": {"articleId": article, "body": "v2"}}, token=alice_token)
    draft = (await gql(CREATE, {"input": {"title": "Alice draft", "body": "wip"}}, token=alice_token))["createArticle"][
        "article"
    ]["id"]
    first_revision = await ArticleRevision.get(article__slug="shared", number=1)
    resource = (
        await gql(
            CREATE_RESOURCE, {"input": {"title": "Link", "kind": "LINK", "url": "https://a.org"}}, token=alice_token
        )
    )["createResource"]["resource"]["id"]
    ids = {
        "category": category,
        "article": article,
        "draft": draft,
        "resource": resource,
        "revision": node_global_id("ArticleRevision", first_revision.id),
    }
    before = await _snapshot()
    _, bob_token = await factory.member_with_token()
    for name, input_type, values, code in REFUSALS:
        document = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ errors {{ code }} }} }}"
        variables = {"input": {k: v.format(**ids) if isinstance(v, str) else v for k, v in values.items()}}
        refused = (await gql(document, variables, token=bob_token))[name]
        assert refused["errors"][0]["code"] == code, name
        anonymous = (await gql(document, variables))[name]
        assert anonymous["errors"][0]["code"] == "UNAUTHENTICATED", name
    assert await _snapshot() == before

    await Sanction.create(user=alice, kind=SanctionKind.MUTE)
    muted = (await gql(UPDATE, {"input": {"articleId": article, "body": "v3"}}, token=alice_token))["updateArticle"]
    assert muted["errors"][0]["code"] == "SANCTIONED"
    muted = (
        await gql(
            CREATE_RESOURCE, {"input": {"title": "L2", "kind": "LINK", "url": "https://b.org"}}, token=alice_token
        )
    )["createResource"]
    assert muted["errors"][0]["code"] == "SANCTIONED"
    assert await _snapshot() == before


async def test_committee_private_article(gql, factory):
    from api.models.accounts import Committee, CommitteeMembership
    from api.timeutil import now
    from schema.relay import node_global_id

    committee = await Committee.create(name="Outreach")
    _, admin_token = await factory.member_with_token(role="ADMIN")
    created = (
        await gql(
            CREATE,
            {
                "input": {
                    "title": "Outreach plan",
                    "body": "Visit schools.",
                    "visibility": "PRIVATE",
                    "committeeId": node_global_id("Committee", committee.id),
                }
            },
            token=admin_token,
        )
    )["createArticle"]
    assert created["errors"] == []
    await gql(PUBLISH, {"input": {"articleId": created["article"]["id"]}}, token=admin_token)
    query = '{ article(slug: "outreach-plan") { title visibility committee { name } } }'
    member, token = await factory.member_with_token()
    assert (await gql(query, token=token))["article"] is None
    await CommitteeMembership.create(committee=committee, user=member, joined_at=now())
    assert (await gql(query, token=token))["article"] == {
        "title": "Outreach plan",
        "visibility": "PRIVATE",
        "committee": {"name": "Outreach"},
    }


async def test_category_tree_and_filtered_lists(gql, factory):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    root = (await gql(CREATE_CATEGORY, {"input": {"name": "Guides"}}, token=mod_token))["createKbCategory"]
    child = (
        await gql(CREATE_CATEGORY, {"input": {"name": "活动", "parentId": root["category"]["id"]}}, token=mod_token)
    )["createKbCategory"]
    assert child["category"]["slug"] == "活动"
    tree = await gql("""{ kbCategories { nodes { name children { name path { name } parent { name } } } } }""")
    assert tree["kbCategories"]["nodes"] == [
        {
            "name": "Guides",
            "children": [
                {"name": "活动", "path": [{"name": "Guides"}, {"name": "活动"}], "parent": {"name": "Guides"}}
            ],
        }
    ]
    await gql(
        CREATE_RESOURCE,
        {"input": {"title": "Flyer", "kind": "LINK", "url": "https://a.org/f", "categoryId": child["category"]["id"]}},
        token=mod_token,
    )
    await gql(
        CREATE_RESOURCE, {"input": {"title": "Talk", "kind": "VIDEO", "url": "https://a.org/t.mp4"}}, token=mod_token
    )
    links = await gql("{ resources(kind: LINK) { nodes { title category { name } } } }")
    assert links["resources"]["nodes"] == [{"title": "Flyer", "category": {"name": "活动"}}]
    in_child = await gql("query($c: ID!) { resources(categoryId: $c) { totalCount } }", {"c": child["category"]["id"]})
    assert in_child["resources"]["totalCount"] == 1
