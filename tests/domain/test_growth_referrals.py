"""Referrals that reward (issue 17): an invited member active on REFERRAL_ACTIVE_DAYS community
days earns both sides REFERRAL_POINTS once, even with several processes; the abuse guard
refuses self-referrals, banned accounts and the same device; a leaderboard and chains."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from api.domain.accounts import RegistrationInput, issue_token, register
from api.domain.engagement import points
from api.domain.growth import referrals
from api.domain.moderation import invites
from api.errors import Forbidden
from api.models.accounts import AccessToken, MemberActivity, Sanction, SanctionKind, User
from api.models.growth import ReferralOutcome
from api.models.moderation import Referral
from api.models.notifications import Notification
from api.timeutil import now


async def _active(user, days: int) -> None:
    for n in range(days):
        await MemberActivity.create(user=user, day=date(2026, 3, 1) + timedelta(days=n))


async def test_an_invitee_who_stays_active_rewards_both_once(app_settings, factory):
    settings = app_settings.replace(referral_points=40, referral_active_days=3)
    inviter = await factory.user("inviter")
    await User.filter(id=inviter.id).update(trust_level=1)
    inviter = await User.get(id=inviter.id)
    _, code = await invites.create_invite(inviter, max_uses=5, expires_at=now() + timedelta(days=1), settings=settings)
    invitee = await register(
        RegistrationInput("newbie", "newbie@example.org", "correct horse battery", "Newbie"),
        invite_code=code,
        sign_up=True,
        settings=settings,
    )
    await _active(invitee, 2)
    assert await referrals.reward_ripe(settings) == 0  # not yet: 2 of 3 days
    await _active_more(invitee)
    assert await referrals.reward_ripe(settings) == 1
    assert await referrals.reward_ripe(settings) == 0  # once
    assert (await points.balance(inviter.id), await points.balance(invitee.id)) == (40, 40)
    assert await Notification.filter(kind="growth.referral_rewarded").count() == 2
    board = await referrals.leaderboard()
    assert [(r.user_id, r.rewarded) for r in board] == [(inviter.id, 1)]


async def _active_more(user) -> None:
    await MemberActivity.create(user=user, day=date(2026, 4, 1))


async def test_several_processes_pay_each_referral_once(app_settings, factory):
    settings = app_settings.replace(referral_points=10, referral_active_days=1)
    inviter = await factory.user()
    invitees = [await factory.user() for _ in range(6)]
    for invitee in invitees:
        await Referral.create(inviter=inviter, invitee=invitee)
        await _active(invitee, 1)
    paid = await asyncio.gather(*(referrals.reward_ripe(settings) for _ in range(4)))
    assert sum(paid) == 6
    assert await points.balance(inviter.id) == 60
    assert sorted([await points.balance(i.id) for i in invitees]) == [10] * 6


async def test_the_abuse_guard_refuses_and_records_why(app_settings, factory):
    settings = app_settings.replace(referral_points=10, referral_active_days=1)
    inviter = await factory.user()
    selfish, banned, twin = [await factory.user() for _ in range(3)]
    await Referral.create(inviter=selfish, invitee=selfish)
    await Referral.create(inviter=inviter, invitee=banned)
    await Referral.create(inviter=inviter, invitee=twin)
    await Sanction.create(user=banned, kind=SanctionKind.BAN, reason="spam")
    await issue_token(inviter, settings, "Phone/1.0 (same)")
    await issue_token(twin, settings, "Phone/1.0 (same)")
    for member in (selfish, banned, twin):
        await _active(member, 1)
    assert await referrals.reward_ripe(settings) == 0
    reasons = {o.referral_id: o.reason for o in await ReferralOutcome.all()}
    by_invitee = {r.invitee_id: r.id for r in await Referral.all()}
    assert [reasons[by_invitee[m.id]] for m in (selfish, banned, twin)] == ["self-referral", "banned", "same device"]
    assert await points.balance(inviter.id) == 0
    assert await AccessToken.filter(user_id=twin.id).count() == 1


async def test_chains_are_for_staff(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    a, b, c = [await factory.user() for _ in range(3)]
    await Referral.create(inviter=a, invitee=b)
    await Referral.create(inviter=b, invitee=c)
    links = await referrals.chain(mod, c.id)
    assert [(link.referral.inviter_id, link.referral.invitee_id) for link in links] == [(b.id, c.id), (a.id, b.id)]
    with pytest.raises(Forbidden):
        await referrals.chain(a, c.id)
