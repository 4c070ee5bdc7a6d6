"""Who may see and do what in the forum, as plain functions.

A space is visible when its own visibility and its parent's allow the viewer
(`api.policies.can_see`: PUBLIC to all, MEMBERS to signed-in members, PRIVATE to admins and the
listed roles). Topics and posts inherit their space's visibility; on top of that, held content
is seen only by its author and staff, hidden content by its author and staff, and deleted topics
by staff. Deleted and hidden posts keep their place in a topic, without their body.
"""

from __future__ import annotations

from typing import Any

from api.errors import Forbidden, NotFound
from api.models.accounts import User
from api.models.forum import PostingPolicy, Post, Space, Topic
from api.policies import can_see, is_staff
from api.settings import Settings

_MEMO_KEY = "forum.spaces"


def can_view_space(viewer: User | None, space: Space, parent: Space | None = None) -> bool:
    """`parent` is the space's parent, required when it has one (nesting is one level)."""
    if space.parent_id is not None:
        if parent is None or parent.id != space.parent_id or not can_view_space(viewer, parent):
            return False
    return can_see(viewer, space.visibility, allowed_roles=list(space.allowed_roles or []))


class SpaceIndex:
    """Every space, loaded in one query: spaces are few, and visibility needs parents."""

    def __init__(self, spaces: list[Space]) -> None:
        self.by_id = {s.id: s for s in spaces}

    def get(self, space_id: int) -> Space | None:
        return self.by_id.get(space_id)

    def parent_of(self, space: Space) -> Space | None:
        return self.by_id.get(space.parent_id) if space.parent_id is not None else None

    def can_view(self, viewer: User | None, space_id: int) -> bool:
        space = self.by_id.get(space_id)
        return space is not None and can_view_space(viewer, space, self.parent_of(space))

    def visible_ids(self, viewer: User | None) -> list[int]:
        return [i for i in self.by_id if self.can_view(viewer, i)]

    def family(self, space_id: int) -> list[int]:
        """The space and its children."""
        return [space_id, *(s.id for s in self.by_id.values() if s.parent_id == space_id)]


async def space_index(memo: dict[str, Any] | None = None) -> SpaceIndex:
    """The spaces, once per request when a request memo is given."""
    if memo is not None and _MEMO_KEY in memo:
        return memo[_MEMO_KEY]
    index = SpaceIndex(list(await Space.all()))
    if memo is not None:
        memo[_MEMO_KEY] = index
    return index


def can_view_topic(viewer: User | None, topic: Topic, spaces: SpaceIndex) -> bool:
    if not spaces.can_view(viewer, topic.space_id):
        return False
    if is_staff(viewer):
        return True
    if topic.deleted_at is not None:
        return False
    if topic.held or topic.hidden:
        return viewer is not None and viewer.id == topic.author_id
    return True


def can_view_post(viewer: User | None, post: Post, topic: Topic, spaces: SpaceIndex) -> bool:
    """Whether the post appears at all (a deleted or hidden post appears as a placeholder)."""
    if not can_view_topic(viewer, topic, spaces):
        return False
    if post.held:
        return is_staff(viewer) or (viewer is not None and viewer.id == post.author_id)
    return True


def can_read_post_body(viewer: User | None, post: Post) -> bool:
    """Deleted posts show no body to anyone but staff; hidden ones only to staff and the author."""
    if is_staff(viewer):
        return True
    if post.deleted_at is not None:
        return False
    if post.hidden:
        return viewer is not None and viewer.id == post.author_id
    return True


def topic_filters(viewer: User | None, space_ids: list[int]) -> dict[str, Any]:
    """Filters of the topics a viewer may list (staff also see held and hidden ones)."""
    filters: dict[str, Any] = {"space_id__in": space_ids, "deleted_at__isnull": True}
    if not is_staff(viewer):
        filters.update(held=False, hidden=False)
    return filters


def post_filters(viewer: User | None) -> list[Any]:
    """Q filters of the posts of a visible topic a viewer may list."""
    from tortoise.expressions import Q

    if is_staff(viewer):
        return []
    if viewer is None:
        return [Q(held=False)]
    return [Q(held=False) | Q(author_id=viewer.id)]


async def visible_topic(viewer: User | None, topic_id: int, *, field: str = "topicId",
                        memo: dict[str, Any] | None = None) -> tuple[Topic, SpaceIndex]:
    """The topic, or NotFound when it does not exist or the viewer may not see it."""
    topic = await Topic.filter(id=topic_id).first()
    spaces = await space_index(memo)
    if topic is None or not can_view_topic(viewer, topic, spaces):
        raise NotFound("No such topic.", field=field)
    return topic, spaces


async def visible_post(viewer: User | None, post_id: int, *, field: str = "postId",
                       memo: dict[str, Any] | None = None) -> tuple[Post, Topic, SpaceIndex]:
    post = await Post.filter(id=post_id).select_related("topic").first()
    spaces = await space_index(memo)
    if post is None or not can_view_post(viewer, post, post.topic, spaces):
        raise NotFound("No such post.", field=field)
    return post, post.topic, spaces


def require_open_topic(topic: Topic, field: str = "topicId") -> None:
    """Replies, votes and reactions need a topic that is published and not deleted."""
    if topic.deleted_at is not None or topic.held or topic.hidden:
        raise Forbidden("This topic is not open for interaction.", field=field)


def require_live_post(post: Post, field: str = "postId") -> None:
    if post.deleted_at is not None or post.held or post.hidden:
        raise Forbidden("This post is not open for interaction.", field=field)


def can_start_topic(viewer: User | None, space: Space, spaces: SpaceIndex) -> bool:
    if viewer is None or not spaces.can_view(viewer, space.id):
        return False
    return space.posting_policy == PostingPolicy.ANYONE or is_staff(viewer)


def can_edit(viewer: User | None, author_id: int | None, reputation: int, settings: Settings) -> bool:
    """Authors, staff, and members with enough reputation edit a topic or post."""
    if viewer is None:
        return False
    return viewer.id == author_id or is_staff(viewer) or reputation >= settings.reputation_to_edit_others
