"""Forum documents: `topic` (index `topics`: discussions and questions) and `post` (index
`posts`: replies and answers).

A document carries the effective visibility of its space: the stricter of the space's and its
parent's (PRIVATE keeps only the roles both allow). Held, hidden and deleted content has no
document, nor has anything in a deleted, held or hidden topic.
"""

from __future__ import annotations

from typing import Any

from api.db import column
from api.domain.forum.access import SpaceIndex, space_index
from api.markdown import shown_texts_async
from api.models.accounts import Role, Visibility
from api.models.forum import Post, Space, Topic, TopicTag
from search.documents import MAX_TEXT
from search.registry import DocumentKind

_RANK = {Visibility.PUBLIC: 0, Visibility.MEMBERS: 1, Visibility.PRIVATE: 2}
ALL_ROLES = [r.value for r in Role]


def effective_visibility(space: Space, parent: Space | None) -> tuple[str, list[str]]:
    """(visibility, allowed roles) a viewer must pass for content of `space`."""
    levels = [s for s in (space, parent) if s is not None]
    visibility = max((Visibility(s.visibility) for s in levels), key=_RANK.__getitem__)
    if visibility is not Visibility.PRIVATE:
        return visibility.value, []
    roles = set(ALL_ROLES)
    for s in levels:
        if Visibility(s.visibility) is Visibility.PRIVATE:
            roles &= set(s.allowed_roles or [])
    return visibility.value, sorted(roles | {Role.ADMIN.value})


def _visibility_fields(spaces: SpaceIndex, space_id: int) -> dict[str, Any] | None:
    space = spaces.get(space_id)
    if space is None:
        return None
    visibility, roles = effective_visibility(space, spaces.parent_of(space))
    return {"visibility": visibility, "allowed_roles": roles, "committee_ids": []}


def _published(item: Topic | Post) -> bool:
    return not item.held and not item.hidden and item.deleted_at is None


async def _tags(topic_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {i: [] for i in topic_ids}
    for row in await TopicTag.filter(topic_id__in=topic_ids).select_related("tag").order_by("tag__name"):
        tags[row.topic_id].append(row.tag.name)
    return tags


async def load_topics(ids: list[int]) -> list[dict[str, Any]]:
    topics = [t for t in await Topic.filter(id__in=ids) if _published(t)]
    spaces = await space_index()
    tags = await _tags([t.id for t in topics])
    texts = dict(
        zip(
            [t.id for t in topics],
            await shown_texts_async([(t.body_html, t.body) for t in topics], MAX_TEXT),
            strict=True,
        )
    )
    documents = []
    for topic in topics:
        visibility = _visibility_fields(spaces, topic.space_id)
        if visibility is None:
            continue
        documents.append(
            {
                "id": topic.id,
                "kind": "topic",
                "topic_kind": topic.kind.value,
                "title": topic.title,
                "body": texts[topic.id],
                "space_id": topic.space_id,
                "tags": tags[topic.id],
                "author_id": topic.author_id,
                "author_ids": [topic.author_id] if topic.author_id else [],
                "created_at": int(topic.created_at.timestamp()),
                "updated_at": int((topic.edited_at or topic.created_at).timestamp()),
                "status": "ANSWERED" if topic.accepted_post_id else ("LOCKED" if topic.locked else "OPEN"),
                "reply_count": topic.reply_count,
                "score": topic.score,
                **visibility,
            }
        )
    return documents


async def load_posts(ids: list[int]) -> list[dict[str, Any]]:
    posts = [p for p in await Post.filter(id__in=ids).select_related("topic") if _published(p)]
    posts = [p for p in posts if _published(p.topic)]
    spaces = await space_index()
    tags = await _tags(list({p.topic_id for p in posts}))
    texts = dict(
        zip(
            [p.id for p in posts],
            await shown_texts_async([(p.body_html, p.body) for p in posts], MAX_TEXT),
            strict=True,
        )
    )
    documents = []
    for post in posts:
        visibility = _visibility_fields(spaces, post.topic.space_id)
        if visibility is None:
            continue
        documents.append(
            {
                "id": post.id,
                "kind": "post",
                "topic_id": post.topic_id,
                "topic_kind": post.topic.kind.value,
                "title": post.topic.title,
                "body": texts[post.id],
                "space_id": post.topic.space_id,
                "tags": tags[post.topic_id],
                "author_id": post.author_id,
                "author_ids": [post.author_id] if post.author_id else [],
                "created_at": int(post.created_at.timestamp()),
                "updated_at": int((post.edited_at or post.created_at).timestamp()),
                "status": "ACCEPTED" if post.accepted else "PUBLISHED",
                "score": post.score,
                **visibility,
            }
        )
    return documents


async def all_topic_ids() -> list[int]:
    return list(await column(Topic.all(), "id"))


async def all_post_ids() -> list[int]:
    return list(await column(Post.all(), "id"))


_SETTINGS = {
    "searchableAttributes": ["title", "body", "tags"],
    "filterableAttributes": ["author_id", "topic_id", "topic_kind"],
    "sortableAttributes": ["score", "reply_count"],
}

TOPICS = DocumentKind(name="topic", index="topics", load=load_topics, all_ids=all_topic_ids, settings=_SETTINGS)
POSTS = DocumentKind(name="post", index="posts", load=load_posts, all_ids=all_post_ids, settings=_SETTINGS)
