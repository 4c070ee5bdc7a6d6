"""Private media through the API and the /media route: files of resources that are not public
and images embedded in posts of private spaces are served only by the signed, expiring URLs the
API hands to viewers who may read them."""

from __future__ import annotations

import html
import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from strawberry.relay import GlobalID

from api.domain import media
from api.domain.forum.moderation import hide_post
from api.models.accounts import Role, Visibility
from api.models.forum import Post
from api.models.media import MediaFile, MediaPurpose
from media.urls import media_url
from tests.domain.forum_helpers import make_space, make_topic
from tests.media import samples

CREATE_RESOURCE = """
mutation($input: CreateResourceInput!) { createResource(input: $input) {
  resource { id media { id private url } } errors { field code } } }"""
UPDATE_RESOURCE = """
mutation($input: UpdateResourceInput!) { updateResource(input: $input) {
  resource { id visibility media { private url } } errors { field code } } }"""
NODE = """
query($id: ID!) { node(id: $id) {
  ... on Resource { title media { url private variants { url } } }
  ... on MediaFile { url private }
  ... on Topic { bodyHtml }
  ... on Post { postHtml: bodyHtml }
} }"""
CREATE_TOPIC = """
mutation($input: CreateTopicInput!) { createTopic(input: $input) { topic { id bodyHtml } errors { code } } }"""
CREATE_POST = """
mutation($input: CreatePostInput!) { createPost(input: $input) { post { id bodyHtml } errors { code } } }"""
TOPIC_POSTS = """
query($id: ID!, $first: Int) { node(id: $id) { ... on Topic { posts(first: $first) { nodes { bodyHtml } } } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def upload(user, settings, purpose=MediaPurpose.RESOURCE, colour=(200, 30, 60)) -> MediaFile:
    data = samples.image_bytes(colour=colour)
    return await media.upload(user, media.UploadedFile("pic.png", io.BytesIO(data)), purpose, "", settings=settings)


def plain_url(settings, media_file: MediaFile) -> str:
    return media_url(settings, media_file.sha256, "png")


def image_sources(body_html: str) -> list[str]:
    return [html.unescape(src) for src in re.findall(r'src="([^"]+)"', body_html)]


@contextmanager
def later(settings) -> Iterator[None]:
    """The clock of signed URLs moved past the lifetime of any URL handed out now."""
    moment = time.time() + settings.media_signed_url_seconds + 301  # expiries round up to 5 minutes
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("media.urls.time", SimpleNamespace(time=lambda: moment))
        yield


async def test_a_members_only_resource_file_needs_the_signed_url_the_api_hands_to_readers(
    gql, client, factory, app_settings
):
    alice, alice_token = await factory.member_with_token()
    _bob, bob_token = await factory.member_with_token()
    _mod, mod_token = await factory.member_with_token(role="MODERATOR")
    file = await upload(alice, settings=app_settings)
    created = (
        await gql(
            CREATE_RESOURCE,
            {
                "input": {
                    "title": "Map",
                    "kind": "IMAGE",
                    "mediaId": gid("MediaFile", file.id),
                    "visibility": "MEMBERS",
                }
            },
            token=alice_token,
        )
    )["createResource"]
    assert created["errors"] == [] and created["resource"]["media"]["private"] is True
    resource_id, plain = created["resource"]["id"], plain_url(app_settings, file)

    # Anonymous: no resource, no file through node(id:), and the plain URL is refused.
    assert (await gql(NODE, {"id": resource_id}))["node"] is None
    assert (await gql(NODE, {"id": gid("MediaFile", file.id)}))["node"] is None
    assert (await client.get(plain)).status_code == 403

    # A member who may read the resource gets signed URLs that work, then expire.
    seen = (await gql(NODE, {"id": resource_id}, token=bob_token))["node"]["media"]
    assert seen["private"] is True and seen["url"].startswith(plain + "?exp=")
    response = await client.get(seen["url"])
    assert response.status_code == 200 and response.headers["cache-control"].startswith("private")
    assert [(await client.get(v["url"])).status_code for v in seen["variants"]] == [200] * len(seen["variants"])
    assert (await gql(NODE, {"id": gid("MediaFile", file.id)}, token=bob_token))["node"]["private"] is True
    with later(app_settings):
        assert (await client.get(seen["url"])).status_code == 403

    # Bob may not change who sees it: refused, and nothing changed.
    refused = (
        await gql(UPDATE_RESOURCE, {"input": {"resourceId": resource_id, "visibility": "PUBLIC"}}, token=bob_token)
    )["updateResource"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and refused["resource"] is None
    assert (await MediaFile.get(id=file.id)).private is True
    assert (await client.get(plain)).status_code == 403

    # Restricted to moderators: bob gets neither the resource nor the file.
    restricted = (
        await gql(
            UPDATE_RESOURCE,
            {
                "input": {
                    "resourceId": resource_id,
                    "visibility": "PRIVATE",
                    "allowedRoles": ["MODERATOR"],
                }
            },
            token=alice_token,
        )
    )["updateResource"]
    assert restricted["errors"] == []
    assert (await gql(NODE, {"id": resource_id}, token=bob_token))["node"] is None
    assert (await gql(NODE, {"id": gid("MediaFile", file.id)}, token=bob_token))["node"] is None
    assert (await client.get(plain)).status_code == 403

    # Made public, the plain URL works for everyone and the API hands it out unsigned.
    opened = (
        await gql(UPDATE_RESOURCE, {"input": {"resourceId": resource_id, "visibility": "PUBLIC"}}, token=mod_token)
    )["updateResource"]
    assert opened["errors"] == [] and opened["resource"]["media"] == {"private": False, "url": plain}
    response = await client.get(plain)
    assert response.status_code == 200 and response.headers["cache-control"].endswith("immutable")
    assert (await gql(NODE, {"id": resource_id}))["node"]["media"]["url"] == plain


async def test_images_embedded_in_a_private_space_are_served_signed_to_its_readers(gql, client, factory, app_settings):
    admin = await factory.user(role="ADMIN")
    alice, alice_token = await factory.member_with_token()
    _bob, bob_token = await factory.member_with_token()
    mod, mod_token = await factory.member_with_token(role="MODERATOR")
    circle = await make_space(admin, "Circle", visibility=Visibility.PRIVATE, roles=[Role.MEMBER])
    staff = await make_space(admin, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    image = await upload(alice, app_settings, MediaPurpose.POST)
    plain = plain_url(app_settings, image)

    topic = (
        await gql(
            CREATE_TOPIC,
            {"input": {"spaceId": gid("Space", circle.id), "title": "Our map", "body": f"![map]({plain})"}},
            token=alice_token,
        )
    )["createTopic"]
    assert topic["errors"] == [] and (await MediaFile.get(id=image.id)).private is True
    post = (
        await gql(
            CREATE_POST,
            {"input": {"topicId": topic["topic"]["id"], "body": f"Again: ![map]({plain})"}},
            token=alice_token,
        )
    )["createPost"]
    assert post["errors"] == [] and image_sources(post["post"]["bodyHtml"])[0].startswith(plain + "?exp=")
    assert (await client.get(plain)).status_code == 403

    # Bob reads the space: the HTML he gets carries working signed URLs, which expire.
    for node_id in (topic["topic"]["id"], post["post"]["id"]):
        node = (await gql(NODE, {"id": node_id}, token=bob_token))["node"]
        [src] = image_sources(node.get("bodyHtml") or node["postHtml"])
        assert src.startswith(plain + "?exp=") and (await client.get(src)).status_code == 200
        with later(app_settings):
            assert (await client.get(src)).status_code == 403
    assert (await gql(NODE, {"id": gid("MediaFile", image.id)}, token=bob_token))["node"]["private"] is True

    # A moderators' space: bob gets no post, no URL, no file.
    secret = await upload(mod, app_settings, MediaPurpose.POST, colour=(1, 2, 3))
    staff_topic = await make_topic(mod, staff, app_settings, body=f"![x]({plain_url(app_settings, secret)})")
    assert (await gql(NODE, {"id": gid("Topic", staff_topic.id)}, token=bob_token))["node"] is None
    assert (await gql(NODE, {"id": gid("MediaFile", secret.id)}, token=bob_token))["node"] is None
    assert (await client.get(plain_url(app_settings, secret))).status_code == 403
    staff_view = (await gql(NODE, {"id": gid("Topic", staff_topic.id)}, token=mod_token))["node"]
    [mod_src] = image_sources(staff_view["bodyHtml"])
    assert (await client.get(mod_src)).status_code == 200

    # A post hidden by a moderator: bob no longer gets its body nor its image.
    hidden_image = await upload(alice, app_settings, MediaPurpose.POST, colour=(9, 9, 9))
    hidden = (
        await gql(
            CREATE_POST,
            {"input": {"topicId": topic["topic"]["id"], "body": f"![h]({plain_url(app_settings, hidden_image)})"}},
            token=alice_token,
        )
    )["createPost"]["post"]
    await hide_post(int(GlobalID.from_id(hidden["id"]).node_id), mod.id)
    assert (await gql(NODE, {"id": hidden["id"]}, token=bob_token))["node"]["postHtml"] is None
    assert (await gql(NODE, {"id": gid("MediaFile", hidden_image.id)}, token=bob_token))["node"] is None


async def test_public_space_html_is_unsigned_and_a_page_of_posts_costs_fixed_queries(
    gql, client, factory, app_settings, count_queries
):
    admin = await factory.user(role="ADMIN")
    alice, token = await factory.member_with_token()
    image = await upload(alice, app_settings, MediaPurpose.POST)
    plain = plain_url(app_settings, image)
    public_topic = await make_topic(alice, await make_space(admin, "Open"), app_settings, body=f"![a]({plain})")
    [src] = image_sources((await gql(NODE, {"id": gid("Topic", public_topic.id)}))["node"]["bodyHtml"])
    assert src == plain and (await client.get(plain)).status_code == 200

    private_topic = await make_topic(
        alice, await make_space(admin, "Circle", visibility=Visibility.MEMBERS), app_settings, body="Posts below"
    )
    body = f"![a]({plain})"
    await Post.bulk_create(
        [
            Post(
                topic_id=private_topic.id,
                author_id=alice.id,
                position=i + 1,
                body=body,
                body_html=f'<p><img src="{plain}" alt="a"></p>',
            )
            for i in range(50)
        ]
    )
    from api.domain.forum.media import sync_posts

    # Written behind the domain's back: record their uses of the file as the domain does.
    await sync_posts(await Post.filter(topic_id=private_topic.id).values_list("id", flat=True))
    costs = {}
    # The viewer's first request does more (session housekeeping): not part of the measure.
    await gql(TOPIC_POSTS, {"id": gid("Topic", private_topic.id), "first": 1}, token=token)
    for size in (5, 50):
        with count_queries as counter:
            nodes = (await gql(TOPIC_POSTS, {"id": gid("Topic", private_topic.id), "first": size}, token=token))[
                "node"
            ]["posts"]["nodes"]
        assert len(nodes) == size and all("?exp=" in n["bodyHtml"] for n in nodes)
        costs[size] = counter.count
    assert costs[5] == costs[50]


CREATE_ARTICLE = """
mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id bodyHtml } errors { code } } }"""
PUBLISH_ARTICLE = """
mutation($input: ArticleActionInput!) { publishArticle(input: $input) { article { bodyHtml } errors { code } } }"""
UPDATE_ARTICLE = """
mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { bodyHtml } errors { code } } }"""
ARTICLE_HTML = "query($id: ID!) { node(id: $id) { ... on Article { bodyHtml } } }"


async def test_images_of_an_article_that_is_not_public_are_signed_for_its_readers(gql, client, factory, app_settings):
    alice, alice_token = await factory.member_with_token()
    _bob, bob_token = await factory.member_with_token()
    image = await upload(alice, app_settings, MediaPurpose.POST)
    plain = plain_url(app_settings, image)
    draft = (
        await gql(
            CREATE_ARTICLE,
            {"input": {"title": "Route", "body": f"![route]({plain})", "visibility": "MEMBERS"}},
            token=alice_token,
        )
    )["createArticle"]
    assert draft["errors"] == [] and (await MediaFile.get(id=image.id)).private is True
    [src] = image_sources(draft["article"]["bodyHtml"])
    assert src.startswith(plain + "?exp=") and (await client.get(src)).status_code == 200
    article_id = draft["article"]["id"]

    # A draft: bob reads neither the article nor its image.
    assert (await gql(ARTICLE_HTML, {"id": article_id}, token=bob_token))["node"] is None
    assert (await gql(NODE, {"id": gid("MediaFile", image.id)}, token=bob_token))["node"] is None
    assert (await client.get(plain)).status_code == 403
    # Bob may not publish it: refused, and the image stays private.
    refused = (await gql(PUBLISH_ARTICLE, {"input": {"articleId": article_id}}, token=bob_token))["publishArticle"]
    assert refused["errors"][0]["code"] == "NOT_FOUND" and (await MediaFile.get(id=image.id)).private is True

    # Published for members: bob gets signed image URLs that work; anonymous readers get nothing.
    assert (await gql(PUBLISH_ARTICLE, {"input": {"articleId": article_id}}, token=alice_token))["publishArticle"][
        "errors"
    ] == []
    [bob_src] = image_sources((await gql(ARTICLE_HTML, {"id": article_id}, token=bob_token))["node"]["bodyHtml"])
    assert bob_src.startswith(plain + "?exp=") and (await client.get(bob_src)).status_code == 200
    assert (await gql(ARTICLE_HTML, {"id": article_id}))["node"] is None
    assert (await client.get(plain)).status_code == 403

    # Public: the HTML carries the plain URL, which works for everyone.
    opened = (
        await gql(UPDATE_ARTICLE, {"input": {"articleId": article_id, "visibility": "PUBLIC"}}, token=alice_token)
    )["updateArticle"]
    assert opened["errors"] == [] and image_sources(opened["article"]["bodyHtml"]) == [plain]
    assert (await client.get(plain)).status_code == 200
