"""Member lifecycle (issue 17): ACTIVE -> AT_RISK -> INACTIVE from the community settings'
thresholds, one reminder per member even with several processes, back to ACTIVE on return."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from api.domain.activity import record_visit
from api.domain.growth import lifecycle
from api.errors import Forbidden
from api.models.accounts import User, UserStatus
from api.models.notifications import Notification
from api.transactions import transaction

AT = datetime(2026, 6, 30, 12, tzinfo=UTC)  # community day 2026-06-30 (UTC)
TODAY = date(2026, 6, 30)


async def _member(
    factory, last_active: date | None, joined: datetime = datetime(2026, 1, 1, tzinfo=UTC), role: str = "MEMBER"
):
    user = await factory.user(role=role)
    await User.filter(id=user.id).update(last_active_day=last_active, created_at=joined)
    return await User.get(id=user.id)


async def _stages() -> dict[int, UserStatus]:
    return dict(await User.all().values_list("id", "status"))


async def test_absence_moves_members_one_stage_at_a_time(app_settings, factory):
    settings = app_settings.replace(lifecycle_at_risk_days=30, lifecycle_inactive_days=90)
    fresh = await _member(factory, TODAY - timedelta(days=29))
    absent = await _member(factory, TODAY - timedelta(days=30))
    gone = await _member(factory, TODAY - timedelta(days=200))
    never_seen_new = await _member(factory, None, joined=AT - timedelta(days=3))
    never_seen_old = await _member(factory, None, joined=AT - timedelta(days=40))
    staff = await _member(factory, TODAY - timedelta(days=400), role="MODERATOR")
    assert await lifecycle.advance(settings, at=AT) == {"INACTIVE": 0, "AT_RISK": 3}
    stages = await _stages()
    assert [stages[u.id] for u in (fresh, absent, gone, never_seen_new, never_seen_old, staff)] == [
        UserStatus.ACTIVE,
        UserStatus.AT_RISK,
        UserStatus.AT_RISK,
        UserStatus.ACTIVE,
        UserStatus.AT_RISK,
        UserStatus.ACTIVE,
    ]
    # AT_RISK members are reminded, once, with the community's message.
    reminded = await Notification.filter(kind="growth.at_risk_reminder").values_list("user_id", flat=True)
    assert sorted(reminded) == sorted([absent.id, gone.id, never_seen_old.id])
    assert await lifecycle.advance(settings, at=AT) == {"INACTIVE": 1, "AT_RISK": 0}
    assert (await _stages())[gone.id] == UserStatus.INACTIVE
    assert await Notification.filter(kind="growth.at_risk_reminder").count() == 3
    # Thresholds are community settings: a stricter community moves `fresh` too.
    stricter = settings.replace(lifecycle_at_risk_days=7)
    assert await lifecycle.advance(stricter, at=AT) == {"INACTIVE": 0, "AT_RISK": 1}


async def test_a_member_who_returns_is_active_again_and_stays_so(app_settings, factory):
    gone = await _member(factory, TODAY - timedelta(days=200))
    await lifecycle.advance(app_settings, at=AT)
    await lifecycle.advance(app_settings, at=AT)
    assert (await _stages())[gone.id] == UserStatus.INACTIVE
    member = await User.get(id=gone.id)
    assert await record_visit(member, at=AT, settings=app_settings)
    assert (await _stages())[gone.id] == UserStatus.ACTIVE
    assert await lifecycle.advance(app_settings, at=AT) == {"INACTIVE": 0, "AT_RISK": 0}


async def test_several_processes_move_and_remind_each_member_once(app_settings, factory):
    members = [await _member(factory, TODAY - timedelta(days=45)) for _ in range(12)]

    async def one_process() -> dict[str, int]:
        async with transaction():
            return await lifecycle.advance(app_settings, at=AT)

    results = await asyncio.gather(*(one_process() for _ in range(4)))
    assert sum(r["AT_RISK"] for r in results) == len(members)
    assert await Notification.filter(kind="growth.at_risk_reminder").count() == len(members)


async def test_banned_members_are_moved_but_not_reminded(app_settings, factory):
    from api.models.accounts import Sanction, SanctionKind

    banned = await _member(factory, TODAY - timedelta(days=45))
    await Sanction.create(user=banned, kind=SanctionKind.BAN, reason="spam")
    assert await lifecycle.advance(app_settings, at=AT) == {"INACTIVE": 0, "AT_RISK": 1}
    assert not await Notification.filter(kind="growth.at_risk_reminder").exists()


async def test_the_review_is_for_staff(app_settings, factory):
    member = await factory.user()
    with pytest.raises(Forbidden):
        lifecycle.members_by_stage(member, UserStatus.AT_RISK)


async def _advance_costs(app_settings, factory, count_queries, members: int) -> int:
    """Queries of one `advance` moving `members` members to AT_RISK (one of them banned: not reminded)."""
    from api.models.accounts import Sanction, SanctionKind
    from api.models.mail import MailOutbox

    away = [await _member(factory, TODAY - timedelta(days=45)) for _ in range(members)]
    await Sanction.create(user=away[0], kind=SanctionKind.BAN, reason="spam")
    with count_queries:
        assert await lifecycle.advance(app_settings, at=AT) == {"INACTIVE": 0, "AT_RISK": members}
    reminded = await Notification.filter(kind="growth.at_risk_reminder", user_id__in=[m.id for m in away])
    assert sorted(n.user_id for n in reminded) == sorted(m.id for m in away[1:])
    assert all(n.message == app_settings.lifecycle_reminder and n.subject_id == n.user_id for n in reminded)
    mailed = await MailOutbox.filter(template="notification", user_id__in=[m.id for m in away]).count()
    assert mailed == members - 1  # reminders are mailed at once by default
    return count_queries.count


async def test_reminding_30_members_costs_as_much_as_reminding_2(app_settings, factory, count_queries):
    two = await _advance_costs(app_settings, factory, count_queries, 2)
    thirty = await _advance_costs(app_settings, factory, count_queries, 30)
    print(f"lifecycle.advance queries: 2 members {two}, 30 members {thirty}")
    assert thirty == two, (two, thirty)
