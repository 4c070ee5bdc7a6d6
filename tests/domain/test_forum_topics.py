"""Topics and posts without GraphQL: validation, posting rules, history, locks, mentions,
notifications, pre-moderation, counters and search outbox."""

from __future__ import annotations

import pytest

from api.domain.forum import posts, reading, topics
from api.errors import ErrorCode, Forbidden, Invalid, NotFound, ValidationErrors
from api.models.accounts import Role, Visibility
from api.models.forum import (
    Post,
    PostingPolicy,
    PostRevision,
    SubscriptionLevel,
    Tag,
    Topic,
    TopicRevision,
    TopicTag,
)
from api.models.notifications import Notification
from api.models.search import SearchOutbox
from tests.domain.forum_helpers import make_post, make_space, make_topic


@pytest.fixture
async def admin(factory):
    return await factory.user("root", role="ADMIN")


async def test_topic_validation_reports_each_bad_field(factory, admin, app_settings):
    space = await make_space(admin)
    member = await factory.user()
    with pytest.raises(ValidationErrors) as caught:
        await topics.create_topic(
            member,
            topics.TopicInput(
                space_id=space.id,
                title=" ",
                body="x" * (app_settings.max_body_length + 1),
                tags=[f"t{i}" for i in range(app_settings.forum_max_tags + 1)],
            ),
            settings=app_settings,
        )
    assert {e.field for e in caught.value.errors} == {"title", "body", "tags"}
    with pytest.raises(Invalid) as one:
        await make_topic(member, space, app_settings, title="t" * (app_settings.max_title_length + 1))
    assert one.value.field == "title"
    with pytest.raises(Invalid):
        await make_topic(member, space, app_settings, body="   ")
    assert await Topic.all().count() == 0


async def test_posting_policy_and_private_spaces(factory, admin, app_settings):
    member, mod = await factory.user(), await factory.user(role="MODERATOR")
    news = await make_space(admin, "News", policy=PostingPolicy.MODERATORS_ONLY)
    staff = await make_space(admin, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    with pytest.raises(Forbidden):
        await make_topic(member, news, app_settings)
    with pytest.raises(NotFound):  # a private space does not even exist for outsiders
        await make_topic(member, staff, app_settings)
    announcement = await make_topic(mod, news, app_settings)
    await make_post(member, announcement, app_settings)  # members reply to announcements
    assert await make_topic(mod, staff, app_settings)


async def test_tags_are_shared_and_normalised(factory, admin, app_settings):
    space = await make_space(admin)
    member = await factory.user()
    first = await make_topic(member, space, app_settings, tags=["Python", " python ", "Async"])
    await make_topic(member, space, app_settings, tags=["python"])
    assert sorted(await Tag.all().values_list("name", flat=True)) == ["async", "python"]
    assert await TopicTag.filter(topic_id=first.id).count() == 2
    await topics.edit_topic(member, topics.TopicChangesInput(topic_id=first.id, tags=["rust"]), settings=app_settings)
    names = await TopicTag.filter(topic_id=first.id).values_list("tag__name", flat=True)
    assert list(names) == ["rust"]


async def test_edit_keeps_history_and_needs_the_right(factory, admin, app_settings):
    space = await make_space(admin)
    author, other = await factory.user(), await factory.user()
    topic = await make_topic(author, space, app_settings, title="Old title", body="old body")
    with pytest.raises(Forbidden):
        await topics.edit_topic(
            other, topics.TopicChangesInput(topic_id=topic.id, body="vandal"), settings=app_settings
        )
    await topics.edit_topic(
        author, topics.TopicChangesInput(topic_id=topic.id, title="New title", body="**new**"), settings=app_settings
    )
    topic = await Topic.get(id=topic.id)
    assert (topic.title, topic.body, topic.body_html) == ("New title", "**new**", "<p><strong>new</strong></p>\n")
    revision = await TopicRevision.get(topic_id=topic.id)
    assert (revision.title, revision.body, revision.editor_id) == ("Old title", "old body", author.id)

    post = await make_post(author, topic, app_settings, body="v1")
    with pytest.raises(Forbidden):
        await posts.edit_post(other, post.id, "v2", settings=app_settings)
    await posts.edit_post(author, post.id, "v2", settings=app_settings)
    assert [r.body for r in await PostRevision.filter(post_id=post.id)] == ["v1"]
    assert (await Post.get(id=post.id)).edited_at is not None


async def test_reputation_lets_members_edit_others_posts(factory, admin, app_settings):
    from api.models.forum import ReputationEvent

    space = await make_space(admin)
    author, trusted = await factory.user(), await factory.user()
    topic = await make_topic(author, space, app_settings)
    await ReputationEvent.create(user_id=trusted.id, amount=app_settings.reputation_to_edit_others, reason="test")
    await topics.edit_topic(
        trusted, topics.TopicChangesInput(topic_id=topic.id, body="fixed typo"), settings=app_settings
    )
    assert (await Topic.get(id=topic.id)).body == "fixed typo"


async def test_locked_topics_refuse_replies_with_a_clear_error(factory, admin, app_settings):
    space = await make_space(admin)
    member, mod = await factory.user(), await factory.user(role="MODERATOR")
    topic = await make_topic(member, space, app_settings)
    with pytest.raises(Forbidden):
        await topics.set_flags(member, topic.id, locked=True)
    await topics.set_flags(mod, topic.id, locked=True, pinned=True)
    with pytest.raises(Forbidden) as caught:
        await make_post(member, topic, app_settings)
    assert caught.value.code is ErrorCode.LOCKED and "locked" in caught.value.message
    assert await Post.all().count() == 0


async def test_posts_are_numbered_threaded_quoted_and_counted(factory, admin, app_settings):
    space = await make_space(admin)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    topic = await make_topic(alice, space, app_settings)
    first = await make_post(bob, topic, app_settings, body="I think **so**.")
    second = await make_post(alice, topic, app_settings, body="Agreed", reply_to_id=first.id, quote_id=first.id)
    assert (first.position, second.position) == (1, 2)
    assert second.reply_to_id == first.id and second.quote_text == "I think so."
    other_topic = await make_topic(alice, space, app_settings, title="Other")
    with pytest.raises(Invalid) as caught:
        await make_post(bob, other_topic, app_settings, reply_to_id=first.id)
    assert caught.value.field == "replyToId"
    topic = await Topic.get(id=topic.id)
    assert (topic.reply_count, topic.last_position) == (2, 2)
    await posts.delete_post(bob, first.id)
    deleted = await Post.get(id=first.id)
    assert deleted.deleted_at is not None and deleted.position == 1  # keeps its place
    assert (await Topic.get(id=topic.id)).reply_count == 1
    with pytest.raises(Forbidden):
        await posts.delete_post(bob, second.id)


async def test_markdown_is_sanitized_and_mentions_notify_only_those_who_can_see(factory, admin, app_settings):
    member = await factory.user("writer", role="MODERATOR")
    outsider = await factory.user("outsider")
    insider = await factory.user("insider", role="MODERATOR")
    staff = await make_space(admin, "Staff", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    topic = await make_topic(
        member,
        staff,
        app_settings,
        body="Hi @insider and @outsider <script>alert(1)</script> [x](javascript:alert(1)) [site](https://example.org)",
    )
    assert "<script>" not in topic.body_html and 'href="javascript' not in topic.body_html
    assert 'rel="nofollow ugc noopener"' in topic.body_html
    assert '<a class="mention" href="/members/insider"' in topic.body_html
    kinds = {(n.user_id, n.kind) for n in await Notification.all()}
    assert kinds == {(insider.id, "forum.mention")}
    assert outsider.id not in {n.user_id for n in await Notification.all()}


async def test_reply_notifications_follow_watch_and_mute(factory, admin, app_settings):
    space = await make_space(admin)
    author, replier, watcher, muter = (
        await factory.user(),
        await factory.user(),
        await factory.user(),
        await factory.user(),
    )
    topic = await make_topic(author, space, app_settings)
    await reading.set_subscription(watcher, topic.id, SubscriptionLevel.WATCH)
    first = await make_post(muter, topic, app_settings)
    await reading.set_subscription(muter, topic.id, SubscriptionLevel.MUTE)
    await make_post(replier, topic, app_settings, reply_to_id=first.id)
    by_user = {}
    for n in await Notification.all():
        by_user.setdefault(n.user_id, []).append(n.kind)
    assert sorted(by_user[author.id]) == ["forum.reply", "forum.reply"]
    assert by_user[watcher.id] == ["forum.reply", "forum.reply"]
    assert muter.id not in by_user  # muted: not even as the author of the post replied to
    assert replier.id not in by_user


async def test_pre_moderation_holds_content_until_published(factory, admin, app_settings, monkeypatch):
    from api.domain.content import get
    from api.domain.content.events import ContentHeld, Screened, ScreenText
    from api.events import Handler, decider
    from api.registry import registry

    space = await make_space(admin)
    author, other = await factory.user(), await factory.user()
    seen: list[dict] = []

    async def hold_everything(question, settings):
        return Screened(held=("Held for the test.",))

    async def record(event, settings):
        seen.append(event.fields())

    monkeypatch.setitem(registry()._deciders, ScreenText, decider(ScreenText, hold_everything))
    monkeypatch.setitem(
        registry()._handlers, ContentHeld, (*registry().handlers_of(ContentHeld), Handler(ContentHeld, record))
    )
    topic = await make_topic(author, space, app_settings)
    assert topic.held and seen[-1]["content_type"] == "Topic"
    with pytest.raises(NotFound):
        await make_post(other, topic, app_settings)
    await get("Topic").publish(topic.id, None)
    assert not (await Topic.get(id=topic.id)).held
    post = await make_post(other, topic, app_settings)
    assert post.held and seen[-1]["content_type"] == "Post"
    assert (await Topic.get(id=topic.id)).reply_count == 0
    assert not await Notification.filter(user_id=author.id, kind="forum.reply").exists()
    await get("Post").publish(post.id, None)
    assert (await Topic.get(id=topic.id)).reply_count == 1
    assert await Notification.filter(user_id=author.id, kind="forum.reply").count() == 1


async def test_every_change_enqueues_search_documents(factory, admin, app_settings):
    space = await make_space(admin)
    member, mod = await factory.user(), await factory.user(role="MODERATOR")
    topic = await make_topic(member, space, app_settings)
    assert await SearchOutbox.filter(kind="topic", object_id=topic.id).count() == 1
    post = await make_post(member, topic, app_settings)
    assert await SearchOutbox.filter(kind="post", object_id=post.id).count() == 1
    other = await make_space(admin, "Elsewhere")
    await SearchOutbox.all().delete()
    await topics.move_topic(mod, topic.id, other.id)
    assert set(await SearchOutbox.all().values_list("kind", "object_id")) == {("topic", topic.id), ("post", post.id)}
    await SearchOutbox.all().delete()
    from api.domain.forum import spaces

    await spaces.update_space(admin, other.id, spaces.SpaceInput(visibility=Visibility.MEMBERS))
    assert set(await SearchOutbox.all().values_list("kind", "object_id")) == {("topic", topic.id), ("post", post.id)}


async def test_read_state_moves_forward_and_counts_unread(factory, admin, app_settings):
    space = await make_space(admin)
    author, reader = await factory.user(), await factory.user()
    topic = await make_topic(author, space, app_settings)
    for _ in range(3):
        await make_post(author, topic, app_settings)
    topic = await Topic.get(id=topic.id)
    assert reading.unread_count(topic, None) == 3
    state = await reading.mark_read(reader, topic.id, 2)
    assert reading.unread_count(topic, state.last_read_position) == 1
    state = await reading.mark_read(reader, topic.id, 1)  # never backwards
    assert state.last_read_position == 2
    state = await reading.mark_read(reader, topic.id)
    assert reading.unread_count(topic, state.last_read_position) == 0


async def test_spaces_nest_one_level_and_only_admins_manage_them(factory, admin):
    from api.domain.forum import spaces
    from api.errors import Conflict
    from api.errors import Forbidden as Refused
    from api.models.forum import Space

    parent = await make_space(admin, "Parent")
    child = await make_space(admin, "Child", parent=parent)
    with pytest.raises(Invalid) as caught:
        await make_space(admin, "Grandchild", parent=child)
    assert caught.value.field == "parentId"
    with pytest.raises(Invalid):  # a space with children cannot become a child
        await spaces.update_space(admin, parent.id, spaces.SpaceInput(parent_id=(await make_space(admin, "Other")).id))
    with pytest.raises(Conflict):
        await make_space(admin, "Parent")  # same slug
    with pytest.raises(Conflict):
        await spaces.delete_space(admin, parent.id)  # it has a child
    with pytest.raises(Refused):
        await spaces.create_space(await factory.user(role="MODERATOR"), spaces.SpaceInput(name="Mine"))
    private = await make_space(admin, "Closed", visibility=Visibility.PRIVATE)
    assert private.allowed_roles == ["ADMIN"]  # PRIVATE without roles: admins only
    await spaces.delete_space(admin, child.id)
    assert not await Space.filter(id=child.id).exists()
