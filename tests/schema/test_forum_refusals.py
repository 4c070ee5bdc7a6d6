"""Every forum mutation refuses anonymous visitors and members without the right, and then
nothing has changed."""

from __future__ import annotations

import pytest
from strawberry.relay import GlobalID

from api.models.accounts import Role, Sanction, SanctionKind, Visibility
from api.models.forum import (
    Bookmark,
    Post,
    Reaction,
    ReadState,
    ReputationEvent,
    Space,
    Tag,
    Topic,
    TopicKind,
    TopicSubscription,
    Vote,
)
from tests.domain.forum_helpers import make_post, make_space, make_topic


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


# name -> (input type, who may call it: MEMBER | MODERATOR | ADMIN | SIGNED_IN, input builder)
MUTATIONS = {
    "createSpace": ("CreateSpaceInput", "ADMIN", lambda w: {"name": "New space"}),
    "updateSpace": (
        "UpdateSpaceInput",
        "ADMIN",
        lambda w: {"spaceId": gid("Space", w["space"].id), "name": "Renamed", "visibility": "PRIVATE"},
    ),
    "deleteSpace": ("DeleteSpaceInput", "ADMIN", lambda w: {"spaceId": gid("Space", w["empty"].id)}),
    "createTopic": (
        "CreateTopicInput",
        "MEMBER",
        lambda w: {"spaceId": gid("Space", w["space"].id), "title": "T", "body": "B"},
    ),
    "editTopic": ("EditTopicInput", "AUTHOR", lambda w: {"topicId": gid("Topic", w["topic"].id), "title": "Changed"}),
    "deleteTopic": ("DeleteTopicInput", "AUTHOR", lambda w: {"topicId": gid("Topic", w["topic"].id)}),
    "pinTopic": ("PinTopicInput", "MODERATOR", lambda w: {"topicId": gid("Topic", w["topic"].id)}),
    "lockTopic": ("LockTopicInput", "MODERATOR", lambda w: {"topicId": gid("Topic", w["topic"].id)}),
    "moveTopic": (
        "MoveTopicInput",
        "MODERATOR",
        lambda w: {"topicId": gid("Topic", w["topic"].id), "spaceId": gid("Space", w["empty"].id)},
    ),
    "createPost": ("CreatePostInput", "MEMBER", lambda w: {"topicId": gid("Topic", w["topic"].id), "body": "B"}),
    "editPost": ("EditPostInput", "AUTHOR", lambda w: {"postId": gid("Post", w["post"].id), "body": "Changed"}),
    "deletePost": ("DeletePostInput", "AUTHOR", lambda w: {"postId": gid("Post", w["post"].id)}),
    "react": ("ReactInput", "MEMBER", lambda w: {"subjectId": gid("Post", w["post"].id), "reaction": "👍"}),
    "unreact": ("ReactInput", "MEMBER", lambda w: {"subjectId": gid("Post", w["post"].id), "reaction": "👍"}),
    "askQuestion": (
        "AskQuestionInput",
        "MEMBER",
        lambda w: {"spaceId": gid("Space", w["space"].id), "title": "Q", "body": "B"},
    ),
    "answerQuestion": (
        "AnswerQuestionInput",
        "MEMBER",
        lambda w: {"questionId": gid("Topic", w["question"].id), "body": "A"},
    ),
    "vote": ("VoteInput", "MEMBER", lambda w: {"subjectId": gid("Post", w["answer"].id), "value": "UP"}),
    "acceptAnswer": ("AcceptAnswerInput", "AUTHOR", lambda w: {"answerId": gid("Post", w["answer"].id)}),
    "markTopicRead": ("MarkTopicReadInput", "SIGNED_IN", lambda w: {"topicId": gid("Topic", w["secret"].id)}),
    "setBookmark": ("SetBookmarkInput", "SIGNED_IN", lambda w: {"topicId": gid("Topic", w["secret"].id)}),
    "setTopicSubscription": (
        "SetTopicSubscriptionInput",
        "SIGNED_IN",
        lambda w: {"topicId": gid("Topic", w["secret"].id), "level": "WATCH"},
    ),
}


def document(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ errors {{ field code message }} }} }}"


async def snapshot() -> dict:
    state = {}
    for model in (Space, Topic, Post, Tag, Reaction, Vote, ReputationEvent, ReadState, Bookmark, TopicSubscription):
        state[model.__name__] = sorted(tuple(sorted(row.items())) for row in await model.all().values())
    return state


@pytest.fixture
async def world(factory, app_settings):
    admin = await factory.user("root", role="ADMIN")
    author, _author_token = await factory.member_with_token()
    space = await make_space(admin, "Open")
    empty = await make_space(admin, "Empty")
    secret_space = await make_space(admin, "Secret", visibility=Visibility.PRIVATE, roles=[Role.MODERATOR])
    topic = await make_topic(author, space, app_settings)
    post = await make_post(author, topic, app_settings)
    question = await make_topic(author, space, app_settings, title="Q?", kind=TopicKind.QUESTION)
    answerer = await factory.user()
    answer = await make_post(answerer, question, app_settings)
    secret = await make_topic(admin, secret_space, app_settings)
    fan = await factory.user()
    await Reaction.create(user_id=fan.id, subject_type="Post", subject_id=post.id, reaction="👍")
    return {
        "admin": admin,
        "author": author,
        "space": space,
        "empty": empty,
        "topic": topic,
        "post": post,
        "question": question,
        "answer": answer,
        "secret": secret,
    }


async def test_anonymous_is_refused_and_nothing_changes(gql, world):
    # One world for every mutation (a loop, not parametrized: each test empties every table).
    before = await snapshot()
    for name, (input_type, _, build) in sorted(MUTATIONS.items()):
        data = (await gql(document(name, input_type), {"input": build(world)}))[name]
        assert [e["code"] for e in data["errors"]] == ["UNAUTHENTICATED"], name
        assert await snapshot() == before, name


async def _refused_member(factory, who: str):
    """A signed-in member lacking the right `who` names, and the error code expected."""
    if who == "ADMIN":
        return await factory.member_with_token(role="MODERATOR"), "FORBIDDEN"
    if who == "MODERATOR":
        return await factory.member_with_token(), "FORBIDDEN"
    if who == "SIGNED_IN":  # may act, but not on a topic of a space they cannot see
        return await factory.member_with_token(), "NOT_FOUND"
    if who == "AUTHOR":  # another member: not the author (nor the asker)
        return await factory.member_with_token(), "FORBIDDEN"
    user, token = await factory.member_with_token()  # MEMBER: a muted member
    await Sanction.create(user_id=user.id, kind=SanctionKind.MUTE, reason="test")
    return (user, token), "SANCTIONED"


async def test_member_without_the_right_is_refused_and_nothing_changes(gql, factory, world):
    before = await snapshot()
    for name, (input_type, who, build) in sorted(MUTATIONS.items()):
        (_, token), code = await _refused_member(factory, who)
        data = (await gql(document(name, input_type), {"input": build(world)}, token=token))[name]
        assert [e["code"] for e in data["errors"]] == [code], (name, data)
        assert await snapshot() == before, name


async def test_outsiders_cannot_write_into_private_spaces(gql, factory, world):
    _, token = await factory.member_with_token()
    before = await snapshot()
    for name, variables in (
        ("createPost", {"topicId": gid("Topic", world["secret"].id), "body": "hi"}),
        ("react", {"subjectId": gid("Topic", world["secret"].id), "reaction": "👍"}),
        ("createTopic", {"spaceId": gid("Space", world["secret"].space_id), "title": "T", "body": "B"}),
    ):
        input_type = MUTATIONS[name][0]
        data = (await gql(document(name, input_type), {"input": variables}, token=token))[name]
        assert [e["code"] for e in data["errors"]] == ["NOT_FOUND"]
    assert await snapshot() == before
