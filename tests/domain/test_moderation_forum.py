"""Moderation acting on real content through the content registry: pre-moderation holds a
topic that the forum stores unpublished, approval publishes it; a reported post is hidden."""

from __future__ import annotations

from api.domain.forum import posts, spaces, topics
from api.domain.moderation import premoderation, reports
from api.models.forum import Post, Topic
from api.models.moderation import FilterKind, ModerationAction, ReportReason, ReviewItem


async def test_blocked_word_holds_a_topic_until_a_moderator_approves_it(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    moderator = await factory.user(role="MODERATOR")
    member = await factory.user()
    space = await spaces.create_space(admin, spaces.SpaceInput(name="General"))
    await premoderation.add_filter_rule(admin, FilterKind.WORD, "casino", settings=app_settings)
    topic = await topics.create_topic(
        member,
        topics.TopicInput(space_id=space.id, title="Best casino bonus", body="Click here", tags=[]),
        settings=app_settings,
    )
    assert (await Topic.get(id=topic.id)).held
    item = await ReviewItem.get(subject_type="Topic", subject_id=topic.id)
    assert item.held and item.hold_reason == "Contains “casino”."
    await premoderation.approve_held(moderator, item.id)
    assert not (await Topic.get(id=topic.id)).held


async def test_a_reported_post_is_hidden_through_the_registry(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    moderator = await factory.user(role="MODERATOR")
    author, reporter = await factory.user(), await factory.user()
    space = await spaces.create_space(admin, spaces.SpaceInput(name="General"))
    topic = await topics.create_topic(
        author, topics.TopicInput(space_id=space.id, title="Hello", body="First", tags=[]), settings=app_settings
    )
    post = await posts.create_post(author, posts.PostInput(topic_id=topic.id, body="rude words"), settings=app_settings)
    report = await reports.report(reporter, "Post", post.id, ReportReason.ABUSE, "insulting", settings=app_settings)
    await reports.resolve(
        moderator, report.item_id, ModerationAction.HIDE_CONTENT, reason="Insults", settings=app_settings
    )
    assert (await Post.get(id=post.id)).hidden


def test_every_content_type_of_the_issue_is_reportable():
    assert {"Topic", "Post", "Article", "Resource", "Message", "User"} <= set(reports.reportable_types())


async def test_a_space_that_requires_approval_refuses_posts_until_the_member_is_admitted(factory, app_settings):
    import pytest

    from api.domain.moderation import admission
    from api.errors import Forbidden
    from api.models.moderation import JoinPolicy

    admin = await factory.user(role="ADMIN")
    moderator = await factory.user(role="MODERATOR")
    member = await factory.user()
    space = await spaces.create_space(admin, spaces.SpaceInput(name="Inner circle"))
    await admission.set_space_policy(admin, space.id, JoinPolicy.APPROVAL, settings=app_settings)
    new_topic = topics.TopicInput(space_id=space.id, title="Hello", body="Hi all", tags=[])
    with pytest.raises(Forbidden):
        await topics.create_topic(member, new_topic, settings=app_settings)
    assert await Topic.filter(space_id=space.id).count() == 0
    request = await admission.request_to_join(member, space.id, "May I join?", settings=app_settings)
    await admission.approve_join_request(moderator, request.id, settings=app_settings)
    topic = await topics.create_topic(member, new_topic, settings=app_settings)
    assert not topic.held


async def test_members_cannot_report_what_they_cannot_see(factory, app_settings):
    """A report must not confirm that content hidden from the reporter exists."""
    import pytest

    from api.errors import NotFound
    from api.models.accounts import Role, Visibility
    from api.models.moderation import Report

    admin = await factory.user(role="ADMIN")
    moderator, outsider = await factory.user(role="MODERATOR"), await factory.user()
    staff_room = await spaces.create_space(
        admin, spaces.SpaceInput(name="Staff room", visibility=Visibility.PRIVATE, allowed_roles=[Role.MODERATOR])
    )
    topic = await topics.create_topic(
        moderator,
        topics.TopicInput(space_id=staff_room.id, title="Rota for December", body="Who takes the 24th?", tags=[]),
        settings=app_settings,
    )
    post = await posts.create_post(moderator, posts.PostInput(topic_id=topic.id, body="I can."), settings=app_settings)
    for subject_type, subject_id in (("Topic", topic.id), ("Post", post.id)):
        with pytest.raises(NotFound) as refused:
            await reports.report(outsider, subject_type, subject_id, ReportReason.SPAM, "", settings=app_settings)
        assert refused.value.message == "Nothing to report here."  # the same answer as for no such item
    assert await Report.all().count() == 0 and await ReviewItem.all().count() == 0
    other_moderator = await factory.user(role="MODERATOR")
    await reports.report(other_moderator, "Topic", topic.id, ReportReason.OFF_TOPIC, "", settings=app_settings)
    assert await Report.all().count() == 1
