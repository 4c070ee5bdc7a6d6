"""Keyset cursors (`schema.relay.paginate`): pages are positions in the list's order, so topics that
move, appear or disappear between two page fetches are never skipped nor repeated; deep pages run the
same one query as the first; cursors are opaque, signed and bound to their list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.models.forum import Topic
from api.timeutil import now
from tests.domain.forum_helpers import make_space, make_topic

PAGE = """
query($orderBy: TopicOrder, $first: Int, $after: String, $last: Int, $before: String) {
  topics(orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { title } }
  }
}"""
USERS = "query($after: String) { users(first: 2, after: $after) { nodes { username } } }"

# How each order moves a topic to the top, and what a new topic at the top looks like.
TOP_OF = {
    "HOT": {"hot": 1e9},
    "NEW": {"pinned": True},
    "TOP": {"score": 10_000},
}


async def _topics(factory, app_settings, n: int) -> list[Topic]:
    """`n` topics, t0 first in every order (HOT, NEW and TOP agree), distinct keys."""
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    author = await factory.user("author")
    start = now() - timedelta(days=1)
    made = []
    for i in range(n):
        topic = await make_topic(author, space, app_settings, title=f"t{i}")
        await Topic.filter(id=topic.id).update(hot=float(n - i), score=n - i, created_at=start - timedelta(minutes=i))
        made.append(topic)
    return made


async def _walk(gql, order: str, after: str | None, size: int = 4) -> list[str]:
    titles: list[str] = []
    while True:
        page = (await gql(PAGE, {"orderBy": order, "first": size, "after": after}))["topics"]
        titles += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return titles
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("order", ["HOT", "NEW", "TOP"])
async def test_topics_moving_between_two_fetches_are_neither_skipped_nor_repeated(gql, factory, app_settings, order):
    topics = await _topics(factory, app_settings, 12)
    first = (await gql(PAGE, {"orderBy": order, "first": 4}))["topics"]
    seen = [edge["node"]["title"] for edge in first["edges"]]
    assert seen == ["t0", "t1", "t2", "t3"] and first["pageInfo"]["hasNextPage"]

    # Between the two fetches: the last topic jumps to the top (an offset cursor would now skip t4),
    # a page-1 topic falls to the bottom (it would be repeated), new topics arrive at the top, and the
    # topic the cursor points at is deleted.
    await Topic.filter(id=topics[11].id).update(**TOP_OF[order])
    await Topic.filter(id=topics[1].id).update(hot=-1.0, score=-1, pinned=False, created_at=now() - timedelta(days=30))
    author = await factory.user("late")
    for i in range(2):
        late = await make_topic(author, await topics[0].space, app_settings, title=f"new{i}")
        await Topic.filter(id=late.id).update(**TOP_OF[order])
    await Topic.filter(id=topics[3].id).delete()

    rest = await _walk(gql, order, first["pageInfo"]["endCursor"])
    # Every topic that stayed behind the cursor comes exactly once, in order; t1 (which fell behind it)
    # comes at its new place; what moved ahead of the cursor is for the next refresh of page 1.
    assert rest == ["t4", "t5", "t6", "t7", "t8", "t9", "t10", "t1"], rest
    assert not set(rest) & (set(seen) - {"t1"})


async def test_last_and_before_walk_backwards_and_agree_with_forwards(gql, factory, app_settings):
    await _topics(factory, app_settings, 7)
    forward = await _walk(gql, "NEW", None, size=3)
    assert forward == [f"t{i}" for i in range(7)]
    tail = (await gql(PAGE, {"orderBy": "NEW", "last": 3}))["topics"]
    assert [e["node"]["title"] for e in tail["edges"]] == ["t4", "t5", "t6"]
    assert tail["pageInfo"]["hasPreviousPage"] and not tail["pageInfo"]["hasNextPage"]
    back = (await gql(PAGE, {"orderBy": "NEW", "last": 3, "before": tail["pageInfo"]["startCursor"]}))["topics"]
    assert [e["node"]["title"] for e in back["edges"]] == ["t1", "t2", "t3"]
    assert back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]
    # first/after and before together: the items between two cursors.
    edges = (await gql(PAGE, {"orderBy": "NEW", "first": 10}))["topics"]["edges"]
    between = (
        await gql(PAGE, {"orderBy": "NEW", "first": 10, "after": edges[1]["cursor"], "before": edges[5]["cursor"]})
    )["topics"]
    assert [e["node"]["title"] for e in between["edges"]] == ["t2", "t3", "t4"]
    assert between["pageInfo"]["startCursor"] == edges[2]["cursor"]


async def test_bad_cursors_are_clear_errors(gql, factory, app_settings):
    await _topics(factory, app_settings, 3)
    edges = (await gql(PAGE, {"orderBy": "HOT", "first": 2}))["topics"]["edges"]
    cursor = edges[0]["cursor"]
    payload, signature = cursor.split(".")
    for bad in ("garbage", cursor[:-2], payload + "." + signature[::-1], "offset:3", ""):
        if not bad:
            continue
        result = await gql(PAGE, {"orderBy": "HOT", "first": 2, "after": bad}, expect_errors=True)
        assert [e["message"] for e in result["errors"]] == ["Invalid cursor."], bad
    # A cursor of another order or another list is refused, not misread.
    other = await gql(PAGE, {"orderBy": "TOP", "first": 2, "after": cursor}, expect_errors=True)
    assert [e["message"] for e in other["errors"]] == ["Invalid cursor."]
    users = await gql(USERS, {"after": cursor}, expect_errors=True)
    assert [e["message"] for e in users["errors"]] == ["Invalid cursor."]


async def test_every_page_is_one_query_without_offset(gql, factory, app_settings, count_queries):
    await _topics(factory, app_settings, 9)
    page = (await gql(PAGE, {"orderBy": "HOT", "first": 3}))["topics"]
    counts = []
    for variables in (
        {"first": 3},
        {"first": 3, "after": page["pageInfo"]["endCursor"]},
        {"last": 3},
        {"last": 3, "before": page["pageInfo"]["endCursor"]},
    ):
        with count_queries as counter:
            await gql(PAGE, {"orderBy": "HOT", **variables})
        topic_reads = [s for s in counter.statements if "forum_topics" in s and s.lstrip().upper().startswith("SELECT")]
        assert not any(" OFFSET " in s.upper() for s in topic_reads), topic_reads
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts


TITLES = """query($first: Int, $after: String) {
  topics(orderBy: HOT, first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { title } } }"""


async def test_ten_thousand_topics_walk_in_pages_of_the_same_one_query(gql, factory, app_settings, count_queries):
    """Page 100 is the first page's query with one more WHERE clause: no OFFSET to scan past."""
    admin = await factory.user("root", role="ADMIN")
    space = await make_space(admin)
    stamp = now()
    await Topic.bulk_create(
        [
            Topic(
                space_id=space.id,
                author_id=admin.id,
                title=f"t{i}",
                body="-",
                hot=float(i % 97),
                last_activity_at=stamp,
                created_at=stamp,
            )
            for i in range(10_000)
        ],
        batch_size=1000,
    )
    seen: list[str] = []
    after = None
    shapes = set()
    for number in range(1, 101):
        with count_queries as counter:
            page = (await gql(TITLES, {"first": 100, "after": after}))["topics"]
        reads = [s for s in counter.statements if "forum_topics" in s]
        assert len(reads) == 1 and " OFFSET " not in reads[0].upper() and "LIMIT" in reads[0].upper(), reads
        shapes.add(counter.count)
        seen += [n["title"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
        assert page["pageInfo"]["hasNextPage"] is (number < 100)
    assert len(seen) == len(set(seen)) == 10_000
    assert len(shapes) == 1
