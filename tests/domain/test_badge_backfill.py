"""Badges (issue 17): a new rule badge reaches members who already qualify through the backfill
job (once, with several processes), and staff revoke an award with a reason, for good."""

from __future__ import annotations

import asyncio

import pytest

from api.domain.engagement import badges
from api.errors import Conflict, Forbidden, Invalid
from api.models.engagement import BadgeAward, BadgeCriterion, BadgeTier, MemberStats
from api.models.notifications import Notification


async def test_a_new_rule_badge_is_backfilled_once(app_settings, factory):
    admin = await factory.user(role="ADMIN")
    veterans = [await factory.user() for _ in range(5)]
    newcomer = await factory.user()
    for member in veterans:
        await MemberStats.create(user=member, posts=12)
    await MemberStats.create(user=newcomer, posts=2)
    badge = await badges.create_badge(
        admin,
        name="Ten posts",
        tier=BadgeTier.BRONZE,
        criterion=BadgeCriterion.POSTS,
        threshold=10,
        settings=app_settings,
    )
    assert await BadgeAward.filter(badge_id=badge.id).count() == 0  # not in the request
    made = await asyncio.gather(*(badges.backfill(app_settings) for _ in range(3)))
    assert sum(made) == 5
    holders = await BadgeAward.filter(badge_id=badge.id).values_list("user_id", flat=True)
    assert sorted(holders) == sorted(m.id for m in veterans)
    assert await Notification.filter(kind="engagement.badge_awarded").count() == 5
    assert await badges.backfill(app_settings) == 0


async def test_a_revoked_badge_stays_revoked(app_settings, factory):
    admin, mod = await factory.user(role="ADMIN"), await factory.user(role="MODERATOR")
    member = await factory.user()
    await MemberStats.create(user=member, posts=3)
    badge = await badges.create_badge(
        admin, name="Writer", tier=BadgeTier.BRONZE, criterion=BadgeCriterion.POSTS, threshold=1, settings=app_settings
    )
    await badges.backfill(app_settings)
    with pytest.raises(Forbidden):
        await badges.revoke_award(member, badge.id, member.id, "nope", settings=app_settings)
    with pytest.raises(Invalid):
        await badges.revoke_award(mod, badge.id, member.id, "", settings=app_settings)
    award = await badges.revoke_award(mod, badge.id, member.id, "Posts were spam", settings=app_settings)
    assert award.revoked_at is not None and award.revoked_reason == "Posts were spam"
    with pytest.raises(Conflict):
        await badges.revoke_award(mod, badge.id, member.id, "again", settings=app_settings)
    told = await Notification.get(kind="engagement.badge_revoked")
    assert "Posts were spam" in told.message
    assert await badges.backfill(app_settings) == 0
    assert await badges.evaluate(member.id, BadgeCriterion.POSTS) == []
    # Staff may give it back by hand.
    again = await badges.award_badge(mod, badge.id, member.id, "Cleared", settings=app_settings)
    assert again.revoked_at is None
