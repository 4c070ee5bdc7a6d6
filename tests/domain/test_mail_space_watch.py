"""Watching or muting a whole space: watchers hear of every new topic and reply in it (by mail
when they chose so), muting silences it but for mentions, a topic's own setting wins, and a
space the member cannot see cannot be watched."""

from __future__ import annotations

import pytest

from api.domain.forum.reading import set_space_subscription, set_subscription
from api.domain.mail import worker
from api.errors import NotFound
from api.models.accounts import Visibility
from api.models.forum import SpaceSubscription, SubscriptionLevel
from api.models.notifications import Notification
from tests.domain.forum_helpers import make_post, make_space, make_topic

SET_SPACE = """mutation($input: SetSpaceSubscriptionInput!) {
  setSpaceSubscription(input: $input) { space { name } errors { field code } } }"""


async def test_watchers_hear_of_new_topics_and_replies_by_mail(mail_settings, smtp, factory):
    admin = await factory.user(role="ADMIN")
    ada = await factory.user(email="ada@example.org")
    space = await make_space(admin, "Tea")
    await set_space_subscription(ada, space.id, SubscriptionLevel.WATCH)
    topic = await make_topic(admin, space, mail_settings, title="Oolong or sencha?")
    await make_post(admin, topic, mail_settings, body="Discuss.")
    kinds = list(await Notification.filter(user_id=ada.id).order_by("id").values_list("kind", flat=True))
    assert kinds == ["forum.new_topic", "forum.reply"]
    await worker.drain(mail_settings)
    subjects = [m["Subject"] for m in smtp.messages if m["To"] == "ada@example.org"]
    assert subjects[0] == "New topic in a space you watch: “Oolong or sencha?”." and len(subjects) == 2


async def test_a_muted_space_is_silent_but_for_mentions_and_topic_settings_win(mail_settings, factory):
    admin = await factory.user(role="ADMIN")
    ada = await factory.user(username="ada_m")
    space = await make_space(admin, "Noise")
    topic = await make_topic(ada, space, mail_settings, title="My topic")
    other = await make_topic(ada, space, mail_settings, title="Watched anyway")
    await set_space_subscription(ada, space.id, SubscriptionLevel.MUTE)
    await set_subscription(ada, other.id, SubscriptionLevel.WATCH)
    await make_post(admin, topic, mail_settings, body="A reply Ada will not hear of.")
    await make_post(admin, topic, mail_settings, body="But @ada_m is mentioned.")
    await make_post(admin, other, mail_settings, body="Ada watches this topic.")
    kinds = list(await Notification.filter(user_id=ada.id).order_by("id").values_list("kind", "subject_type"))
    assert [k for k, _ in kinds] == ["forum.mention", "forum.reply"]


async def test_a_space_one_cannot_see_cannot_be_watched(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    ada = await factory.user()
    hidden = await make_space(admin, "Staff", visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        await set_space_subscription(ada, hidden.id, SubscriptionLevel.WATCH)
    assert await SpaceSubscription.all().count() == 0


async def test_set_space_subscription_through_graphql(gql, factory):
    from strawberry.relay import GlobalID

    from tests.platform.test_mutations import _snapshot

    admin = await factory.user(role="ADMIN")
    _, token = await factory.member_with_token()
    await gql("{ viewer { user { id } } }", token=token)
    public = await make_space(admin, "Lobby")
    hidden = await make_space(admin, "Staff", visibility=Visibility.PRIVATE)
    before = await _snapshot()
    refused = await gql(
        SET_SPACE, {"input": {"spaceId": str(GlobalID("Space", str(hidden.id))), "level": "WATCH"}}, token=token
    )
    assert refused["setSpaceSubscription"]["errors"] == [{"field": "spaceId", "code": "NOT_FOUND"}]
    anonymous = await gql(SET_SPACE, {"input": {"spaceId": str(GlobalID("Space", str(public.id))), "level": "WATCH"}})
    assert anonymous["setSpaceSubscription"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert await _snapshot() == before
    done = await gql(
        SET_SPACE, {"input": {"spaceId": str(GlobalID("Space", str(public.id))), "level": "WATCH"}}, token=token
    )
    assert done["setSpaceSubscription"] == {"space": {"name": "Lobby"}, "errors": []}
    assert await SpaceSubscription.filter(space_id=public.id, level=SubscriptionLevel.WATCH).count() == 1
