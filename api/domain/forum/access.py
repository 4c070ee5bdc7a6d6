"""Who may see and do what in the forum, as plain functions.

A space is visible when its own visibility and its parent's allow the viewer
(`api.policies.can_see`: PUBLIC to all, MEMBERS to signed-in members, PRIVATE to admins and the
listed roles). Topics and posts inherit their space's visibility; on top of that, held content
is seen only by its author and staff, hidden content by its author and staff, and deleted topics
by staff. Deleted and hidden posts keep their place in a topic, without their body.
"""

from __future__ import annotations

from typing import Any, cast

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api.errors import Forbidden, NotFound
from api.models.accounts import User
from api.models.forum import Post, PostingPolicy, PostRevision, Space, Tag, Topic, TopicRevision, TopicTag
from api.policies import can_see, is_staff
from api.policy import ReadPolicy, through
from api.settings import Settings

_MEMO_KEY = "forum.spaces"


def can_view_space(viewer: User | None, space: Space, parent: Space | None = None) -> bool:
    """`parent` is the space's parent, required when it has one (nesting is one level)."""
    if space.parent_id is not None and (
        parent is None or parent.id != space.parent_id or not can_view_space(viewer, parent)
    ):
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
        return cast(SpaceIndex, memo[_MEMO_KEY])
    index = SpaceIndex(list(await Space.all()))
    if memo is not None:
        memo[_MEMO_KEY] = index
    return index


def space_index_now(memo: dict[str, Any]) -> SpaceIndex | None:
    """The operation's space index if `space_index(memo)` already read it (synchronous callers)."""
    return cast(SpaceIndex | None, memo.get(_MEMO_KEY))


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


def topic_filter(viewer: User | None, space_ids: list[int]) -> Q:
    """`can_view_topic` as a database filter, given the spaces the viewer may see."""
    if is_staff(viewer):
        return Q(space_id__in=space_ids)
    published = Q(deleted_at__isnull=True, held=False, hidden=False)
    if viewer is not None:  # authors see their own held and hidden topics
        published = Q(published, Q(deleted_at__isnull=True, author_id=viewer.id), join_type="OR")
    return Q(Q(space_id__in=space_ids), published)


def post_filter(viewer: User | None) -> Q:
    """`can_view_post` as a database filter, for posts of topics the viewer may see."""
    if is_staff(viewer):
        return Q()
    if viewer is None:
        return Q(held=False)
    return Q(Q(held=False), Q(author_id=viewer.id), join_type="OR")


# Read policies (declared in the forum's manifest): one rule per node type, as a scope for lists
# and a filter for loaded rows.


async def visible_spaces(viewer: User | None, memo: dict[str, Any]) -> QuerySet[Space]:
    return Space.filter(id__in=(await space_index(memo)).visible_ids(viewer))


async def filter_spaces(viewer: User | None, rows: list[Space], memo: dict[str, Any]) -> list[Space]:
    index = await space_index(memo)
    return [r for r in rows if index.can_view(viewer, r.id)]


async def visible_topics(viewer: User | None, memo: dict[str, Any]) -> QuerySet[Topic]:
    index = await space_index(memo)
    return Topic.filter(topic_filter(viewer, index.visible_ids(viewer)))


async def filter_topics(viewer: User | None, rows: list[Topic], memo: dict[str, Any]) -> list[Topic]:
    index = await space_index(memo)
    return [r for r in rows if can_view_topic(viewer, r, index)]


async def visible_posts(viewer: User | None, memo: dict[str, Any]) -> QuerySet[Post]:
    topics = await visible_topics(viewer, memo)
    return Post.filter(post_filter(viewer), topic_id__in=Subquery(topics.values("id")))


async def filter_posts(viewer: User | None, rows: list[Post], memo: dict[str, Any]) -> list[Post]:
    topics = {t.id: t for t in await Topic.filter(id__in={r.topic_id for r in rows})}
    index = await space_index(memo)
    return [r for r in rows if r.topic_id in topics and can_view_post(viewer, r, topics[r.topic_id], index)]


async def visible_post_revisions(viewer: User | None, memo: dict[str, Any]) -> QuerySet[PostRevision]:
    """Earlier bodies of posts whose body the viewer may read."""
    posts = await visible_posts(viewer, memo)
    if not is_staff(viewer):
        readable = Q(deleted_at__isnull=True, hidden=False)
        if viewer is not None:
            readable = Q(readable, Q(deleted_at__isnull=True, author_id=viewer.id), join_type="OR")
        posts = posts.filter(readable)
    return PostRevision.filter(post_id__in=Subquery(posts.values("id")))


async def visible_tags(viewer: User | None, memo: dict[str, Any]) -> QuerySet[Tag]:
    """Tags used by at least one topic the viewer may see (tags of private topics would leak
    their subjects)."""
    topics = await visible_topics(viewer, memo)
    return Tag.filter(id__in=Subquery(TopicTag.filter(topic_id__in=Subquery(topics.values("id"))).values("tag_id")))


READ_POLICIES = (
    ReadPolicy(Space, visible_spaces, filter_spaces, "Its visibility and its parent's allow the viewer."),
    ReadPolicy(
        Topic,
        visible_topics,
        filter_topics,
        "Its space is visible; held and hidden topics to their author and staff; deleted ones to staff.",
    ),
    ReadPolicy(
        Post,
        visible_posts,
        filter_posts,
        "Its topic is visible; held posts to their author and staff. Deleted and hidden posts keep "
        "their place, without their body.",
    ),
    through(TopicRevision, Topic, "topic_id"),
    ReadPolicy(PostRevision, visible_post_revisions, doc="Whoever may read its post's body."),
    ReadPolicy(Tag, visible_tags, doc="Used by a topic the viewer may see."),
)


async def visible_topic(
    viewer: User | None, topic_id: int, *, field: str = "topicId", memo: dict[str, Any] | None = None
) -> tuple[Topic, SpaceIndex]:
    """The topic, or NotFound when it does not exist or the viewer may not see it."""
    topic = await Topic.filter(id=topic_id).first()
    spaces = await space_index(memo)
    if topic is None or not can_view_topic(viewer, topic, spaces):
        raise NotFound("No such topic.", field=field)
    return topic, spaces


async def visible_post(
    viewer: User | None, post_id: int, *, field: str = "postId", memo: dict[str, Any] | None = None
) -> tuple[Post, Topic, SpaceIndex]:
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


def can_edit(viewer: User | None, author_id: int | None, reputation: int, *, settings: Settings) -> bool:
    """Authors, staff, and members with enough reputation or trust edit a topic or post."""
    if viewer is None:
        return False
    return (
        viewer.id == author_id
        or is_staff(viewer)
        or reputation >= settings.reputation_to_edit_others
        or viewer.trust_level >= settings.trust_level_to_edit_others
    )
