"""Account lists are connections whose cost does not grow with the page size."""

from __future__ import annotations

from api.models.notifications import Notification

USERS = "query($n: Int!) { users(first: $n) { totalCount nodes { id username email role } } }"
NOTIFICATIONS = """query($n: Int!) { viewer { unreadNotificationCount notifications(first: $n) {
  totalCount pageInfo { hasNextPage } nodes { id kind message subjectId actor { username } } } } }"""


async def test_a_page_of_50_members_costs_the_queries_of_a_page_of_5(gql, factory, count_queries):
    _, token = await factory.member_with_token(role="ADMIN")
    for _ in range(55):
        await factory.user()
    await gql("{ viewer { user { id } } }", token=token)  # the first request records last-seen
    counts = {}
    for size in (5, 50):
        with count_queries as counter:
            data = await gql(USERS, {"n": size}, token=token)
        counts[size] = counter.count
        assert len(data["users"]["nodes"]) == size and data["users"]["totalCount"] == 56
        assert all(node["email"] for node in data["users"]["nodes"])  # admins see emails
    assert counts[5] == counts[50], counts


async def test_a_page_of_50_notifications_costs_the_queries_of_a_page_of_5(gql, factory, count_queries):
    user, token = await factory.member_with_token()
    actors = [await factory.user() for _ in range(10)]
    await Notification.bulk_create(
        [
            Notification(
                user_id=user.id,
                kind="test.kind",
                actor_id=actors[i % 10].id,
                subject_type="User",
                subject_id=actors[i % 10].id,
                message=f"n{i}",
                data={},
            )
            for i in range(60)
        ]
    )
    await gql("{ viewer { user { id } } }", token=token)  # the first request records last-seen
    counts = {}
    for size in (5, 50):
        with count_queries as counter:
            data = await gql(NOTIFICATIONS, {"n": size}, token=token)
        counts[size] = counter.count
        page = data["viewer"]["notifications"]
        assert len(page["nodes"]) == size and page["totalCount"] == 60 and page["pageInfo"]["hasNextPage"]
        assert {n["actor"]["username"] for n in page["nodes"]} <= {a.username for a in actors}
    assert counts[5] == counts[50], counts
