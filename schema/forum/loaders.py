"""Per-request batch loaders of the forum, so a page costs a fixed number of queries."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from strawberry.dataloader import DataLoader

from api.domain.forum import qa, reactions, reading
from api.domain.forum.access import SpaceIndex, space_index
from api.domain.forum.media import post_is_public, topic_is_public
from api.models.accounts import User
from api.models.forum import Bookmark, Tag, Topic, TopicSubscription, TopicTag, Vote
from schema.context import Info
from schema.loaders import fill, now_or_later
from schema.relay import selected_node_fields


async def spaces(info: Info) -> SpaceIndex:
    return await space_index(info.context.memo)


# The loaders below are asked once per item of a list (a post's reactions): `batched` finds the
# request's loader before building anything.


def tags(info: Info) -> DataLoader:
    return info.context.loaders.batched("forum.tags", _tags)


async def _tags(topic_ids: list[int]) -> list[list[Tag]]:
    grouped: dict[int, list[Tag]] = defaultdict(list)
    rows = await TopicTag.filter(topic_id__in=set(topic_ids)).select_related("tag").order_by("tag__name")
    for row in rows:
        grouped[row.topic_id].append(row.tag)
    return [grouped.get(i, []) for i in topic_ids]


def reaction_counts(info: Info, subject_type: str) -> DataLoader:
    return info.context.loaders.batched(("forum.reactions", subject_type), _reaction_counts, subject_type)


async def _reaction_counts(subject_type: str, ids: list[int]) -> list[dict[str, int]]:
    counts = await reactions.reaction_counts(subject_type, ids)
    return [counts.get(i, {}) for i in ids]


def _viewer_id(info: Info) -> int:
    return info.context.member.id


def viewer_reactions(info: Info, subject_type: str) -> DataLoader:
    key = ("forum.viewer_reactions", subject_type)
    return info.context.loaders.batched(key, _viewer_reactions, _viewer_id(info), subject_type)


async def _viewer_reactions(viewer_id: int, subject_type: str, ids: list[int]) -> list[set[str]]:
    mine = await reactions.reactions_of(viewer_id, subject_type, ids)
    return [mine.get(i, set()) for i in ids]


def viewer_votes(info: Info, subject_type: str) -> DataLoader:
    return info.context.loaders.batched(
        ("forum.viewer_votes", subject_type), _viewer_votes, _viewer_id(info), subject_type
    )


async def _viewer_votes(viewer_id: int, subject_type: str, ids: list[int]) -> list[int]:
    rows = await Vote.filter(user_id=viewer_id, subject_type=subject_type, subject_id__in=set(ids)).values(
        "subject_id", "value"
    )
    values = {r["subject_id"]: r["value"] for r in rows}
    return [values.get(i, 0) for i in ids]


def read_positions(info: Info) -> DataLoader:
    return info.context.loaders.batched("forum.read_positions", _read_positions, _viewer_id(info))


async def _read_positions(viewer_id: int, topic_ids: list[int]) -> list[int | None]:
    positions = await reading.read_positions(viewer_id, topic_ids)
    return [positions.get(i) for i in topic_ids]


def bookmarked(info: Info) -> DataLoader:
    async def batch(topic_ids: list[int]) -> list[bool]:
        found = set(
            await Bookmark.filter(user_id=_viewer_id(info), topic_id__in=set(topic_ids)).values_list(
                "topic_id", flat=True
            )
        )
        return [i in found for i in topic_ids]

    return info.context.loaders.custom("forum.bookmarked", batch)


def subscription_levels(info: Info) -> DataLoader:
    async def batch(topic_ids: list[int]) -> list[Any]:
        rows = await TopicSubscription.filter(user_id=_viewer_id(info), topic_id__in=set(topic_ids))
        levels = {r.topic_id: r.level for r in rows}
        return [levels.get(i) for i in topic_ids]

    return info.context.loaders.custom("forum.subscriptions", batch)


def reputation(info: Info) -> DataLoader:
    async def batch(user_ids: list[int]) -> list[int]:
        values = await qa.reputations(user_ids)
        return [values.get(i, 0) for i in user_ids]

    return info.context.loaders.custom("forum.reputation", batch)


async def prefetch(info: Info, subject_type: str, rows: list[Any]) -> None:
    """Batch-load, once per page, what the selected fields of a page of topics or posts need,
    so their resolvers complete synchronously instead of awaiting a loader per item (one batch
    call per loader, its results primed: no future or task per item)."""
    if not rows:
        return
    selected = selected_node_fields(info)
    ids = [row.id for row in rows]
    signed_in = info.context.viewer is not None
    work = []
    if "author" in selected:
        authors = {row.author_id for row in rows if row.author_id is not None}
        work.append(fill(info.context.loaders.by_id(User), authors))
    if "reactions" in selected:
        work.append(fill(reaction_counts(info, subject_type), ids))
        if signed_in:
            work.append(fill(viewer_reactions(info, subject_type), ids))
    if "viewerVote" in selected and signed_in:
        work.append(fill(viewer_votes(info, subject_type), ids))
    if "bodyHtml" in selected:
        work.append(_prefetch_attachments(info, subject_type, rows))
    if subject_type == "Topic":
        if "tags" in selected:
            work.append(fill(tags(info), ids))
        if "viewerReadState" in selected and signed_in:
            work.append(fill(read_positions(info), ids))
    await asyncio.gather(*work)


async def _prefetch_attachments(info: Info, subject_type: str, rows: list[Any]) -> None:
    """What `bodyHtml` needs: the space index, the posts' topics, and the attached files of the
    rows that are not public (one query for the page, none when all are public)."""
    from schema.media import attached_blobs_loader

    index = await spaces(info)
    if subject_type == "Topic":
        public = {row.id: topic_is_public(row, index) for row in rows}
    else:
        topics = info.context.loaders.by_id(Topic)
        await fill(topics, {row.topic_id for row in rows})
        public = {}
        for row in rows:
            topic = now_or_later(topics, row.topic_id)
            public[row.id] = topic is not None and post_is_public(row, topic, index)
    private = [i for i, is_public in public.items() if not is_public]
    if private:
        await fill(attached_blobs_loader(info, subject_type), private)
