"""Announcements without GraphQL: validation, audiences, scheduling exactly once, read state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.domain.moderation import announcements as ann
from api.errors import Invalid, NotFound, ValidationErrors
from api.models.accounts import Committee, CommitteeMembership
from api.models.moderation import Announcement
from api.pubsub import get_broker
from api.timeutil import now


async def test_publish_now_is_visible_to_the_addressed_only(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    member = await factory.user()
    moderator = await factory.user(role="MODERATOR")
    committee = await Committee.create(name="Budget")
    await CommitteeMembership.create(committee=committee, user=member, joined_at=now())
    everyone = await ann.publish_announcement(author_id=admin.id, title="Hello", body="**All**", settings=app_settings)
    staff = await ann.publish_announcement(
        author_id=admin.id, title="Staff", body="x", audience="ROLE", audience_role="MODERATOR", settings=app_settings
    )
    budget = await ann.publish_announcement(
        author_id=None, title="Budget", body="y", audience="COMMITTEE", committee_id=committee.id, settings=app_settings
    )
    assert everyone.published_at is not None and "<strong>All</strong>" in everyone.body_html

    async def ids(viewer):
        return [a.id for a in await (await ann.visible_announcements(viewer))]

    assert set(await ids(member)) == {everyone.id, budget.id}
    assert set(await ids(moderator)) == {everyone.id, staff.id}
    assert set(await ids(admin)) == {everyone.id, staff.id}
    assert await ids(None) == [everyone.id]
    with pytest.raises(NotFound):
        await ann.mark_read(member, staff.id)


async def test_validation_reports_every_bad_field(factory, app_settings):
    with pytest.raises(ValidationErrors) as caught:
        await ann.publish_announcement(
            author_id=None,
            title=" ",
            body="x" * (app_settings.max_body_length + 1),
            audience="ROLE",
            audience_role="KING",
            settings=app_settings,
        )
    assert {e.field for e in caught.value.errors} == {"title", "body", "audienceRole"}
    with pytest.raises(Invalid) as one:
        await ann.publish_announcement(author_id=None, title="t", body="b", audience="COMMITTEE", settings=app_settings)
    assert one.value.field == "committeeId"
    with pytest.raises(NotFound):
        await ann.publish_announcement(
            author_id=None, title="t", body="b", audience="COMMITTEE", committee_id=999, settings=app_settings
        )
    with pytest.raises(Invalid) as expired:
        await ann.publish_announcement(
            author_id=None, title="t", body="b", expires_at=now() - timedelta(hours=1), settings=app_settings
        )
    assert expired.value.field == "expiresAt"
    assert await Announcement.all().count() == 0


async def test_scheduled_announcement_is_published_exactly_once(factory, app_settings):
    member = await factory.user()
    later = now() + timedelta(hours=1)
    scheduled = await ann.publish_announcement(
        author_id=None, title="Soon", body="b", publish_at=later, settings=app_settings
    )
    assert scheduled.published_at is None
    assert await (await ann.visible_announcements(member)).count() == 0
    assert await ann.publish_due() == []
    async with get_broker().subscribe(ann.CHANNEL) as messages:
        first = await ann.publish_due(later + timedelta(seconds=1))
        second = await ann.publish_due(later + timedelta(seconds=2))
        assert first == [scheduled.id] and second == []
        assert await anext(messages) == {"id": scheduled.id}
    assert await (await ann.visible_announcements(member)).count() == 1


async def test_expired_leave_the_default_list_and_unread_count(factory, app_settings):
    member = await factory.user()
    live = await ann.publish_announcement(author_id=None, title="Live", body="b", pinned=True, settings=app_settings)
    old = await ann.publish_announcement(
        author_id=None, title="Old", body="b", expires_at=now() + timedelta(hours=1), settings=app_settings
    )
    await Announcement.filter(id=old.id).update(expires_at=now() - timedelta(minutes=1))
    assert [a.id for a in await (await ann.visible_announcements(member))] == [live.id]
    assert await (await ann.visible_announcements(member, include_expired=True)).count() == 2
    assert await ann.unread_count(member) == 1
    await ann.mark_read(member, live.id)
    await ann.mark_read(member, live.id)  # idempotent
    assert await ann.unread_count(member) == 0


async def test_the_scheduler_job_is_registered_and_concurrent_runs_publish_once(factory, app_settings):
    import asyncio

    from api.registry import registry

    job = registry().jobs["moderation.publish_announcements"].run
    due = [
        await ann.publish_announcement(
            author_id=None,
            title=f"T{i}",
            body="b",
            publish_at=now() + timedelta(milliseconds=50),
            settings=app_settings,
        )
        for i in range(3)
    ]
    await asyncio.sleep(0.1)
    results = await asyncio.gather(*(ann.publish_due() for _ in range(4)))
    published = sorted(i for result in results for i in result)
    assert published == sorted(a.id for a in due)  # each exactly once across the concurrent runs
    await job(app_settings)  # nothing left to publish
    assert await Announcement.filter(published_at__isnull=True).count() == 0
