"""Forum search documents (against a real Meilisearch) and the content registry hooks."""

from __future__ import annotations

import uuid

import meilisearch

from api.domain.content import get
from api.domain.forum.search import effective_visibility, load_posts, load_topics
from api.models.accounts import Role, Visibility
from api.models.forum import Post, Topic, TopicKind
from search.registry import kinds
from tests.domain.forum_helpers import make_post, make_space, make_topic


async def test_documents_carry_text_tags_and_effective_visibility(factory, app_settings):
    admin = await factory.user("root", role="ADMIN")
    author = await factory.user()
    staff = await make_space(admin, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR, Role.MEMBER])
    inner = await make_space(admin, "Inner", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR], parent=staff)
    public = await make_space(admin, "Public")
    topic = await make_topic(
        author,
        public,
        app_settings,
        title="Tea **time**",
        body="Green *tea* 绿茶",
        tags=["Tea"],
        kind=TopicKind.QUESTION,
    )
    post = await make_post(author, topic, app_settings, body="Use **80°C** water")
    [doc] = await load_topics([topic.id])
    assert doc["id"] == topic.id and doc["kind"] == "topic" and doc["body"] == "Green tea 绿茶"
    assert doc["tags"] == ["tea"] and doc["space_id"] == public.id and doc["author_id"] == author.id
    assert isinstance(doc["created_at"], int) and doc["status"] == "OPEN"
    assert (doc["visibility"], doc["allowed_roles"], doc["committee_ids"]) == ("PUBLIC", [], [])
    [post_doc] = await load_posts([post.id])
    assert post_doc["kind"] == "post" and post_doc["body"] == "Use 80°C water" and post_doc["tags"] == ["tea"]

    moved = await make_topic(admin, inner, app_settings)
    [secret] = await load_topics([moved.id])
    assert secret["visibility"] == "PRIVATE" and secret["allowed_roles"] == ["ADMIN", "MODERATOR"]
    assert effective_visibility(public, None) == ("PUBLIC", [])

    await get("Post").hide(post.id, admin.id)
    assert await load_posts([post.id]) == []  # hidden: no document (the worker deletes it)
    await get("Topic").delete(topic.id, admin.id)
    assert await load_topics([topic.id]) == []


async def test_index_settings_are_accepted_and_visibility_filters(factory, app_settings, meili):
    admin = await factory.user("root", role="ADMIN")
    members = await make_space(admin, "Members", visibility=Visibility.MEMBERS)
    public = await make_space(admin, "Public")
    a = await make_topic(admin, public, app_settings, title="Open kettle")
    b = await make_topic(admin, members, app_settings, title="Closed kettle")
    kind = kinds()["topic"]
    client = meilisearch.Client(meili["url"], meili["key"])
    uid = f"forumtest_{uuid.uuid4().hex[:8]}"
    settings = dict(kind.settings)
    settings["filterableAttributes"] = [*settings["filterableAttributes"], "visibility", "allowed_roles", "space_id"]
    client.wait_for_task(client.create_index(uid, {"primaryKey": "id"}).task_uid)
    index = client.index(uid)
    try:
        task = client.wait_for_task(index.update_settings(settings).task_uid, timeout_in_ms=20_000)
        assert task.status == "succeeded", task.error
        task = client.wait_for_task(index.add_documents(await load_topics([a.id, b.id])).task_uid, timeout_in_ms=20_000)
        assert task.status == "succeeded", task.error
        hits = index.search("kettle", {"filter": "visibility = PUBLIC"})["hits"]
        assert [h["id"] for h in hits] == [a.id]
        assert len(index.search("kettle")["hits"]) == 2
    finally:
        client.delete_index(uid)


async def test_content_registry_hides_and_publishes_posts_keeping_counters(factory, app_settings):
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    author = await factory.user()
    topic = await make_topic(author, space, app_settings)
    post = await make_post(author, topic, app_settings)
    registry = get("Post")
    refs = await registry.load([post.id])
    assert refs[post.id].author_id == author.id and refs[post.id].text == "A reply"
    await registry.hide(post.id, admin.id)
    assert (await Topic.get(id=topic.id)).reply_count == 0
    await registry.unhide(post.id, admin.id)
    assert (await Topic.get(id=topic.id)).reply_count == 1
    await Post.filter(id=post.id).update(held=True)
    await Topic.filter(id=topic.id).update(reply_count=0)
    await registry.publish(post.id, admin.id)
    assert (await Topic.get(id=topic.id)).reply_count == 1 and not (await Post.get(id=post.id)).held
    topic_refs = await get("Topic").load([topic.id])
    assert topic_refs[topic.id].title == topic.title
    await get("Topic").hide(topic.id, admin.id)
    assert (await Topic.get(id=topic.id)).hidden
