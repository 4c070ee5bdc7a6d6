"""Forum visibility as plain functions: spaces, nesting, topic and post states."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.domain.forum.access import (
    SpaceIndex,
    can_read_post_body,
    can_start_topic,
    can_view_post,
    can_view_space,
    can_view_topic,
)
from api.models.accounts import Role, User, Visibility
from api.models.forum import Post, PostingPolicy, Space, Topic

# Model instances need the ORM initialised (for their foreign key attributes), not tables.
pytestmark = pytest.mark.usefixtures("db")

ANON = None
MEMBER = User(id=1, role=Role.MEMBER)
MOD = User(id=2, role=Role.MODERATOR)
ADMIN = User(id=3, role=Role.ADMIN)


def space(
    id: int,
    visibility: Visibility,
    roles: list[str] | None = None,
    parent: int | None = None,
    policy: PostingPolicy = PostingPolicy.ANYONE,
) -> Space:
    return Space(
        id=id,
        name=f"s{id}",
        slug=f"s{id}",
        visibility=visibility,
        allowed_roles=roles or [],
        parent_id=parent,
        posting_policy=policy,
    )


def test_space_visibility_by_level_and_role():
    public, members = space(1, Visibility.PUBLIC), space(2, Visibility.MEMBERS)
    staff_only = space(3, Visibility.PRIVATE, ["MODERATOR"])
    admins_only = space(4, Visibility.PRIVATE, [])
    assert [can_view_space(v, public) for v in (ANON, MEMBER, MOD, ADMIN)] == [True] * 4
    assert [can_view_space(v, members) for v in (ANON, MEMBER, MOD, ADMIN)] == [False, True, True, True]
    assert [can_view_space(v, staff_only) for v in (ANON, MEMBER, MOD, ADMIN)] == [False, False, True, True]
    assert [can_view_space(v, admins_only) for v in (ANON, MEMBER, MOD, ADMIN)] == [False, False, False, True]


def test_a_child_space_is_never_more_visible_than_its_parent():
    parent = space(1, Visibility.PRIVATE, ["MODERATOR"])
    child = space(2, Visibility.PUBLIC, parent=1)
    index = SpaceIndex([parent, child])
    assert not index.can_view(ANON, 2) and not index.can_view(MEMBER, 2)
    assert index.can_view(MOD, 2)
    assert not can_view_space(MOD, child)  # the parent must be given when there is one
    assert index.visible_ids(MEMBER) == [] and sorted(index.visible_ids(MOD)) == [1, 2]
    assert index.family(1) == [1, 2]


def test_topic_states_decide_who_sees_it():
    index = SpaceIndex([space(1, Visibility.PUBLIC), space(2, Visibility.MEMBERS)])
    moment = datetime.now(UTC)
    published = Topic(id=1, space_id=1, author_id=1, held=False, hidden=False, deleted_at=None)
    held = Topic(id=2, space_id=1, author_id=1, held=True, hidden=False, deleted_at=None)
    deleted = Topic(id=3, space_id=1, author_id=1, held=False, hidden=False, deleted_at=moment)
    in_members = Topic(id=4, space_id=2, author_id=1, held=False, hidden=False, deleted_at=None)
    other = User(id=9, role=Role.MEMBER)
    assert can_view_topic(ANON, published, index)
    assert can_view_topic(MEMBER, held, index) and not can_view_topic(other, held, index)
    assert can_view_topic(MOD, held, index) and not can_view_topic(ANON, held, index)
    assert not can_view_topic(MEMBER, deleted, index) and can_view_topic(MOD, deleted, index)
    assert not can_view_topic(ANON, in_members, index) and can_view_topic(other, in_members, index)


def test_posts_keep_their_place_but_not_their_body():
    index = SpaceIndex([space(1, Visibility.PUBLIC)])
    topic = Topic(id=1, space_id=1, author_id=1, held=False, hidden=False, deleted_at=None)
    other = User(id=9, role=Role.MEMBER)
    deleted = Post(id=1, topic_id=1, author_id=1, held=False, hidden=False, deleted_at=datetime.now(UTC))
    hidden = Post(id=2, topic_id=1, author_id=1, held=False, hidden=True, deleted_at=None)
    held = Post(id=3, topic_id=1, author_id=1, held=True, hidden=False, deleted_at=None)
    assert can_view_post(other, deleted, topic, index) and not can_read_post_body(other, deleted)
    assert not can_read_post_body(MEMBER, deleted) and can_read_post_body(MOD, deleted)
    assert can_read_post_body(MEMBER, hidden) and not can_read_post_body(other, hidden)
    assert can_view_post(MEMBER, held, topic, index) and not can_view_post(other, held, topic, index)
    assert not can_view_post(ANON, held, topic, index)


def test_posting_policy():
    open_space = space(1, Visibility.PUBLIC)
    announcements = space(2, Visibility.PUBLIC, policy=PostingPolicy.MODERATORS_ONLY)
    index = SpaceIndex([open_space, announcements])
    assert can_start_topic(MEMBER, open_space, index) and not can_start_topic(ANON, open_space, index)
    assert not can_start_topic(MEMBER, announcements, index) and can_start_topic(MOD, announcements, index)
