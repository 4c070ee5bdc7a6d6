"""Referrals that reward (issue 17): an invited member active on REFERRAL_ACTIVE_DAYS community
days earns both sides REFERRAL_POINTS once, even with several processes; the abuse guard
refuses self-referrals, banned accounts and the same device; a leaderboard and chains."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from api.domain.accounts import RegistrationInput, issue_token, network_tag, register
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


def test_the_network_tag_is_a_keyed_hash_of_public_networks_only(app_settings):
    from api.domain.accounts import network_tag

    tag = network_tag("8.8.8.8", app_settings)
    assert tag and "8.8.8" not in tag and len(tag) == 32
    assert network_tag("8.8.8.200", app_settings) == tag  # the same /24
    assert network_tag("::ffff:8.8.8.9", app_settings) == tag  # IPv4-mapped IPv6 is IPv4
    assert network_tag("8.8.4.4", app_settings) not in ("", tag)
    assert network_tag("2001:4860::1", app_settings) == network_tag("2001:4860:0:ffff::5", app_settings) != ""
    assert network_tag("2001:4860:1::1", app_settings) != network_tag("2001:4860::1", app_settings)  # another /48
    other_key = app_settings.replace(secret_key="another-secret-key-that-is-long-enough-42")
    assert network_tag("8.8.8.8", other_key) != tag  # keyed: not a lookup table of networks
    for private in (
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.7",
        "172.16.5.5",
        "::1",
        "fe80::1",
        "0.0.0.0",
        "::",
        "169.254.1.1",
        "fd00::1",
        "203.0.113.5",
        "unknown",
        "",
        "not an address",
    ):
        assert network_tag(private, app_settings) == "", private


async def test_the_same_network_is_refused_and_private_addresses_never_match(app_settings, factory):
    settings = app_settings.replace(referral_points=10, referral_active_days=1)
    inviter = await factory.user()
    neighbour, stranger, behind_nat, local, v6 = [await factory.user() for _ in range(5)]
    inviter6 = await factory.user()
    for invitee, by in (
        (neighbour, inviter),
        (stranger, inviter),
        (behind_nat, inviter),
        (local, inviter),
        (v6, inviter6),
    ):
        await Referral.create(inviter=by, invitee=invitee)
        await _active(invitee, 1)
    await issue_token(inviter, settings, "Desktop/1", client="8.8.8.8")
    await issue_token(inviter, settings, "Desktop/1", client="10.0.0.1")
    await issue_token(inviter, settings, "Desktop/1", client="127.0.0.1")
    await issue_token(neighbour, settings, "Phone/2", client="8.8.8.77")  # the inviter's /24
    await issue_token(stranger, settings, "Phone/3", client="1.1.1.1")
    await issue_token(behind_nat, settings, "Phone/4", client="10.0.0.1")  # private: says nothing
    await issue_token(local, settings, "Phone/5", client="127.0.0.1")
    await issue_token(inviter6, settings, "Desktop/6", client="2001:4860::1")
    await issue_token(v6, settings, "Phone/7", client="2001:4860:0:42::9")  # the same /48
    assert await referrals.reward_ripe(settings) == 3
    reasons = {o.referral_id: (o.rewarded, o.reason) for o in await ReferralOutcome.all()}
    by_invitee = {r.invitee_id: r.id for r in await Referral.all()}
    assert [reasons[by_invitee[m.id]] for m in (neighbour, stranger, behind_nat, local, v6)] == [
        (False, "same network"),
        (True, ""),
        (True, ""),
        (True, ""),
        (False, "same network"),
    ]
    # Only the keyed hash is stored, never the address.
    stored = await AccessToken.filter(user_id=neighbour.id).values_list("network", flat=True)
    assert stored == [network_tag("8.8.8.8", settings)] and "8.8.8" not in stored[0]
    assert await AccessToken.filter(user_id=behind_nat.id).values_list("network", flat=True) == [""]


async def _job_costs(app_settings, factory, count_queries, refused: int) -> int:
    """Queries of one `reward_ripe` batch deciding `refused` referrals refused for each of the four
    reasons in turn, and one paid."""
    settings = app_settings.replace(referral_points=10, referral_active_days=1)
    expected: dict[int, str] = {}
    for n in range(refused):
        inviter, invitee = await factory.user(), await factory.user()
        reason = ("self-referral", "banned", "same device", "same network")[n % 4]
        referral = await Referral.create(inviter=invitee if reason == "self-referral" else inviter, invitee=invitee)
        expected[referral.id] = reason
        await _active(invitee, 1)
        await issue_token(inviter, settings, f"Desktop/{n}", client="10.0.0.1")  # says nothing
        if reason == "banned":
            await Sanction.create(user=inviter if n % 8 == 1 else invitee, kind=SanctionKind.BAN, reason="spam")
        elif reason == "same device":
            await issue_token(inviter, settings, f"Phone/{n}", client=f"1.1.{n}.1")
            await issue_token(invitee, settings, f"Phone/{n}", client=f"1.2.{n}.1")
        elif reason == "same network":
            await issue_token(invitee, settings, f"Tablet/{n}", client=f"8.8.{n}.77")
            await issue_token(inviter, settings, f"Laptop/{n}", client=f"8.8.{n}.1")
    inviter, invitee = await factory.user(), await factory.user()
    paid = await Referral.create(inviter=inviter, invitee=invitee)
    await _active(invitee, 1)
    await issue_token(inviter, settings, "Desktop/x", client="9.9.9.9")
    await issue_token(invitee, settings, "Phone/x", client="1.0.0.1")
    with count_queries:
        assert await referrals.reward_ripe(settings) == 1
    outcomes = {o.referral_id: o for o in await ReferralOutcome.filter(referral_id__in=[*expected, paid.id])}
    assert {i: o.reason for i, o in outcomes.items() if i != paid.id} == expected
    assert not any(o.rewarded or o.points for i, o in outcomes.items() if i != paid.id)
    assert outcomes[paid.id].rewarded and outcomes[paid.id].points == 10
    assert (await points.balance(inviter.id), await points.balance(invitee.id)) == (10, 10)
    return count_queries.count


async def test_deciding_32_referrals_costs_as_much_as_deciding_4(app_settings, factory, count_queries):
    four = await _job_costs(app_settings, factory, count_queries, 4)
    thirty_two = await _job_costs(app_settings, factory, count_queries, 32)
    print(f"reward_ripe queries: 4 refused + 1 paid {four}, 32 refused + 1 paid {thirty_two}")
    assert thirty_two == four, (four, thirty_two)


async def test_the_guard_costs_two_queries_a_batch(app_settings, factory, count_queries):
    inviter = await factory.user()
    invitees = [await factory.user() for _ in range(6)]
    for n in range(5):
        await issue_token(inviter, app_settings, f"Agent/{n}", client=f"8.8.{n}.1")
    await issue_token(invitees[0], app_settings, "Agent/3", client="1.1.1.1")
    await issue_token(invitees[1], app_settings, "Other/1", client="8.8.4.200")
    ripe = [{"id": n, "inviter_id": inviter.id, "invitee_id": invitee.id} for n, invitee in enumerate(invitees)]
    with count_queries:
        refused = await referrals._refusals([*ripe, {"id": 99, "inviter_id": None, "invitee_id": inviter.id}])
    assert count_queries.count == 2  # bans of all, tokens of all
    assert refused == {0: "same device", 1: "same network", 99: "self-referral"}


async def _pay_costs(app_settings, factory, count_queries, referrals_paid: int) -> int:
    settings = app_settings.replace(referral_points=10, referral_active_days=1)
    pairs = [(await factory.user(), await factory.user()) for _ in range(referrals_paid)]
    for inviter, invitee in pairs:
        await Referral.create(inviter=inviter, invitee=invitee)
        await _active(invitee, 1)
    with count_queries:
        assert await referrals.reward_ripe(settings) == referrals_paid
    for inviter, invitee in pairs:
        assert (await points.balance(inviter.id), await points.balance(invitee.id)) == (10, 10)
        told = await Notification.filter(kind="growth.referral_rewarded", user_id__in=[inviter.id, invitee.id])
        assert sorted((n.user_id, n.subject_id) for n in told) == sorted(
            [(inviter.id, invitee.id), (invitee.id, invitee.id)]
        )
    return count_queries.count


async def test_paying_30_referrals_costs_as_much_as_paying_2(app_settings, factory, count_queries):
    two = await _pay_costs(app_settings, factory, count_queries, 2)
    thirty = await _pay_costs(app_settings, factory, count_queries, 30)
    print(f"reward_ripe queries: 2 paid {two}, 30 paid {thirty}")
    assert thirty == two, (two, thirty)


async def test_an_inviter_of_several_is_told_of_each_invitee(app_settings, factory):
    settings = app_settings.replace(referral_points=5, referral_active_days=1)
    inviter = await factory.user()
    invitees = [await factory.user() for _ in range(3)]
    for invitee in invitees:
        await Referral.create(inviter=inviter, invitee=invitee)
        await _active(invitee, 1)
    assert await referrals.reward_ripe(settings) == 3
    assert await points.balance(inviter.id) == 15
    told = await Notification.filter(kind="growth.referral_rewarded", user_id=inviter.id)
    assert sorted(n.subject_id for n in told) == sorted(i.id for i in invitees)


async def test_a_failure_while_paying_leaves_the_referrals_undecided(app_settings, factory, monkeypatch):
    settings = app_settings.replace(referral_points=10, referral_active_days=1)
    inviter, invitee = await factory.user(), await factory.user()
    await Referral.create(inviter=inviter, invitee=invitee)
    await _active(invitee, 1)
    award_many = points.award_many

    async def crashing(*args, **kwargs):
        await award_many(*args, **kwargs)
        raise RuntimeError("the process died here")

    monkeypatch.setattr(points, "award_many", crashing)
    with pytest.raises(RuntimeError):
        await referrals.reward_ripe(settings)
    assert await ReferralOutcome.all().count() == 0  # the claim went with the payment
    assert await points.balance(inviter.id) == 0
    monkeypatch.setattr(points, "award_many", award_many)
    assert await referrals.reward_ripe(settings) == 1  # the next run pays it
    assert (await points.balance(inviter.id), await points.balance(invitee.id)) == (10, 10)
