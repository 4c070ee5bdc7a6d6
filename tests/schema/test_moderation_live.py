"""`announcementPublished` over graphql-transport-ws on a real server: a scheduled announcement
reaches the addressed member when the scheduler publishes it; others' announcements do not."""

from __future__ import annotations

import json
from datetime import timedelta

from api.domain.moderation import announcements
from api.models.accounts import Committee
from api.models.moderation import Announcement
from api.timeutil import now
from tests.platform.test_websocket import _next, _ws, server_url  # noqa: F401 - the fixture

SUBSCRIBE = {
    "id": "1",
    "type": "subscribe",
    "payload": {"query": "subscription { announcementPublished { title audience } }"},
}


async def test_scheduled_announcements_arrive_live_only_where_addressed(server_url, factory, app_settings):  # noqa: F811
    _, token = await factory.member_with_token()
    committee = await Committee.create(name="Board")
    ws = await _ws(server_url, {"Authorization": f"Bearer {token}"})
    try:
        assert (await _next(ws))["type"] == "connection_ack"
        await ws.send(json.dumps(SUBSCRIBE))
        message = None
        for attempt in range(40):  # the subscription is registered asynchronously: publish until it is
            due = now() - timedelta(seconds=1)
            await announcements.publish_announcement(
                author_id=None,
                title="Board only",
                body="b",
                audience="COMMITTEE",
                committee_id=committee.id,
                settings=app_settings,
            )
            scheduled = await announcements.publish_announcement(
                author_id=None,
                title=f"Scheduled {attempt}",
                body="b",
                publish_at=now() + timedelta(hours=1),
                settings=app_settings,
            )
            await Announcement.filter(id=scheduled.id).update(publish_at=due)  # its time has come
            assert await announcements.publish_due() == [scheduled.id]
            try:
                message = await _next(ws, 0.25)
                break
            except TimeoutError:
                continue
        assert message is not None and message["type"] == "next"
        data = message["payload"]["data"]["announcementPublished"]
        assert data["audience"] == "ALL" and data["title"].startswith("Scheduled")
    finally:
        await ws.close()
