"""Lotteries: the freeze fixes the entrant list and commits to it and a seed drawn only then; the draw
reveals the seed; winners are recomputed from the revealed seed and the frozen list by independent
code, and a list changed after the commitment is detected."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from api.domain.engagement import events, lotteries, points
from api.errors import Conflict, Forbidden, Invalid, NotFound, Sanctioned
from api.models.accounts import Sanction, SanctionKind, UserStatus
from api.models.engagement import (
    EligibleSet,
    Lottery,
    LotteryEntrant,
    LotteryStatus,
    LotteryWinner,
    MemberStats,
    PointAccount,
    PointEntry,
)
from api.timeutil import now


def recompute(seed: str, eligible: list[int], count: int) -> list[int]:
    """The documented algorithm, written again from its description."""
    pool = sorted(eligible)
    picked = []
    for rank in range(1, min(count, len(pool)) + 1):
        h = int.from_bytes(hashlib.sha256(f"{seed}:{rank}".encode()).digest(), "big")
        picked.append(pool.pop(h % len(pool)))
    return picked


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def freeze_and_draw(mod, lottery_id, settings):
    await lotteries.freeze(mod, lottery_id, settings=settings)
    return await lotteries.draw(mod, lottery_id, settings=settings)


async def test_hand_made_list_draw_is_reproducible_from_the_revealed_seed(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    members = [await factory.user() for _ in range(12)]
    lottery = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Spring draw",
            eligible_set=EligibleSet.LIST,
            winner_count=3,
            prizes=["Book", "Mug"],
            user_ids=[m.id for m in members[:8]],
        ),
        settings=app_settings,
    )
    assert lottery.commitment is None and lottery.seed is None  # nothing to commit to while entrants gather
    await lotteries.add_entrants(mod, lottery.id, [m.id for m in members[6:]])  # overlaps are ignored
    with pytest.raises(Conflict):  # no draw without a published commitment
        await lotteries.draw(mod, lottery.id, settings=app_settings)
    frozen = await lotteries.freeze(mod, lottery.id, settings=app_settings)
    commitment, listed = frozen.commitment, sorted(m.id for m in members)
    assert frozen.status == LotteryStatus.FROZEN and frozen.eligible_user_ids == listed
    assert frozen.entrants_hash == sha(",".join(str(i) for i in listed))
    drawn = await lotteries.draw(mod, lottery.id, settings=app_settings)
    assert drawn.status == LotteryStatus.DRAWN and drawn.commitment == commitment
    assert sha(f"{drawn.seed}:{drawn.entrants_hash}") == commitment
    assert drawn.eligible_user_ids == listed
    winners = await LotteryWinner.filter(lottery_id=lottery.id).order_by("rank")
    assert [w.user_id for w in winners] == recompute(drawn.seed, drawn.eligible_user_ids, 3)
    assert [w.prize for w in winners] == ["Book", "Mug", ""]
    assert len({w.user_id for w in winners}) == 3
    with pytest.raises(Conflict):
        await lotteries.draw(mod, lottery.id, settings=app_settings)
    with pytest.raises(Conflict):
        await lotteries.add_entrants(mod, lottery.id, [members[0].id])


async def test_another_seed_gives_other_winners_and_few_eligible_all_win(app_settings, factory):
    ids = list(range(1, 101))
    assert recompute("a" * 64, ids, 5) == lotteries.compute_winners("a" * 64, ids, 5)
    assert lotteries.compute_winners("a" * 64, ids, 5) != lotteries.compute_winners("b" * 64, ids, 5)
    assert sorted(lotteries.compute_winners("c" * 64, [7, 3], 5)) == [3, 7]


async def test_event_attendees_and_check_in_streaks_are_eligible_sets(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    start = now() + timedelta(minutes=10)
    event = await events.create_event(
        mod,
        events.EventInput(title="Hack night", starts_at=start, ends_at=start + timedelta(hours=3), location="Lab"),
        settings=app_settings,
    )
    came, stayed_home = await factory.user(), await factory.user()
    for member in (came, stayed_home):
        await events.rsvp(member, event.id)
    await events.check_in_attendee(mod, event.id, came.id, settings=app_settings)
    by_event = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Attendees", eligible_set=EligibleSet.EVENT_ATTENDEES, winner_count=1, event_id=event.id
        ),
        settings=app_settings,
    )
    assert await lotteries.eligible_ids(by_event, app_settings) == [came.id]

    today = now().date()
    streaky, lapsed, short = await factory.user(), await factory.user(), await factory.user()
    await MemberStats.create(user_id=streaky.id, current_streak=9, longest_streak=9, last_check_in_day=today)
    await MemberStats.create(
        user_id=lapsed.id, current_streak=9, longest_streak=9, last_check_in_day=today - timedelta(days=3)
    )
    await MemberStats.create(user_id=short.id, current_streak=2, longest_streak=2, last_check_in_day=today)
    by_streak = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(title="Streaks", eligible_set=EligibleSet.CHECK_IN_STREAK, winner_count=2, min_streak=7),
        settings=app_settings,
    )
    drawn = await freeze_and_draw(mod, by_streak.id, app_settings)
    assert drawn.eligible_user_ids == [streaky.id]
    assert await LotteryWinner.filter(lottery_id=by_streak.id).values_list("user_id", flat=True) == [streaky.id]


async def test_only_staff_run_lotteries_and_empty_draws_are_refused(app_settings, factory):
    mod, member = await factory.user(role="MODERATOR"), await factory.user()
    data = lotteries.LotteryInput(title="Mine", eligible_set=EligibleSet.LIST, winner_count=1)
    with pytest.raises(Forbidden):
        await lotteries.create_lottery(member, data, settings=app_settings)
    lottery = await lotteries.create_lottery(mod, data, settings=app_settings)
    with pytest.raises(Forbidden):
        await lotteries.draw(member, lottery.id, settings=app_settings)
    with pytest.raises(Forbidden):
        await lotteries.freeze(member, lottery.id, settings=app_settings)
    with pytest.raises(Conflict):
        await lotteries.freeze(mod, lottery.id, settings=app_settings)  # nobody eligible
    with pytest.raises(NotFound):
        await lotteries.create_lottery(
            mod,
            lotteries.LotteryInput(
                title="No event", eligible_set=EligibleSet.EVENT_ATTENDEES, winner_count=1, event_id=999
            ),
            settings=app_settings,
        )
    cancelled = await lotteries.cancel(mod, lottery.id, settings=app_settings)
    assert cancelled.status == LotteryStatus.CANCELLED


async def test_survey_respondents_are_an_eligible_set(app_settings, factory):
    from api.models.governance import Survey, SurveyResponse

    mod = await factory.user(role="MODERATOR")
    answered, silent = await factory.user(), await factory.user()
    survey = await Survey.create(author_id=mod.id, title="How are we doing?")
    await SurveyResponse.create(survey_id=survey.id, respondent_id=answered.id, answers={"1": "Great"})
    lottery = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Thanks for answering",
            eligible_set=EligibleSet.SURVEY_RESPONDENTS,
            winner_count=1,
            survey_id=survey.id,
        ),
        settings=app_settings,
    )
    drawn = await freeze_and_draw(mod, lottery.id, app_settings)
    assert drawn.eligible_user_ids == [answered.id] and silent.id not in drawn.eligible_user_ids


async def test_a_list_changed_after_the_commitment_is_detected(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    members = [await factory.user() for _ in range(6)]
    lottery = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Tamper",
            eligible_set=EligibleSet.LIST,
            winner_count=2,
            user_ids=[m.id for m in members[:5]],
        ),
        settings=app_settings,
    )
    frozen = await lotteries.freeze(mod, lottery.id, settings=app_settings)
    # Entrants added behind the rules after the freeze do not enter the draw...
    await LotteryEntrant.create(lottery_id=lottery.id, user_id=members[5].id)
    with pytest.raises(Conflict):
        await lotteries.add_entrants(mod, lottery.id, [members[5].id])
    # ...and a frozen list reshaped in the database is refused at the draw.
    await Lottery.filter(id=lottery.id).update(eligible_user_ids=sorted(m.id for m in members))
    with pytest.raises(Conflict):
        await lotteries.draw(mod, lottery.id, settings=app_settings)
    await Lottery.filter(id=lottery.id).update(eligible_user_ids=frozen.eligible_user_ids)
    drawn = await lotteries.draw(mod, lottery.id, settings=app_settings)
    _, check = await lotteries.verify_draw(lottery.id)
    assert check.valid and check.expected_winner_ids == recompute(drawn.seed, drawn.eligible_user_ids, 2)

    # After the draw: a list, a seed or a winner changed is each detected.
    await Lottery.filter(id=lottery.id).update(eligible_user_ids=sorted(m.id for m in members))
    _, check = await lotteries.verify_draw(lottery.id)
    assert not check.entrants_match and not check.valid
    await Lottery.filter(id=lottery.id).update(eligible_user_ids=frozen.eligible_user_ids, seed="0" * 64)
    _, check = await lotteries.verify_draw(lottery.id)
    assert check.entrants_match and not check.commitment_matches and not check.valid
    await Lottery.filter(id=lottery.id).update(seed=drawn.seed)
    winners = recompute(drawn.seed, frozen.eligible_user_ids, 2)
    loser = next(i for i in frozen.eligible_user_ids if i not in winners)
    await LotteryWinner.filter(lottery_id=lottery.id, rank=1).update(user_id=loser)
    _, check = await lotteries.verify_draw(lottery.id)
    assert check.entrants_match and check.commitment_matches and not check.winners_match
    # A forged list with a matching hash cannot match the commitment made before the seed was revealed.
    forged = sorted(m.id for m in members)
    assert not lotteries.verify(
        drawn.seed, forged, lotteries.entrants_hash_of(forged), drawn.commitment, 2, recompute(drawn.seed, forged, 2)
    ).valid


async def test_banned_and_inactive_members_are_left_out_at_the_freeze(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    keep, banned, gone, unbanned = [await factory.user() for _ in range(4)]
    await Sanction.create(user_id=banned.id, kind=SanctionKind.BAN)
    await Sanction.create(user_id=unbanned.id, kind=SanctionKind.BAN, revoked_at=now())
    await Sanction.create(user_id=keep.id, kind=SanctionKind.MUTE)  # muted members may still win
    gone.status = UserStatus.INACTIVE
    await gone.save()
    lottery = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Fair",
            eligible_set=EligibleSet.LIST,
            winner_count=4,
            user_ids=[keep.id, banned.id, gone.id, unbanned.id],
        ),
        settings=app_settings,
    )
    frozen = await lotteries.freeze(mod, lottery.id, settings=app_settings)
    assert frozen.eligible_user_ids == sorted([keep.id, unbanned.id])
    drawn = await lotteries.draw(mod, lottery.id, settings=app_settings)
    winners = set(await LotteryWinner.filter(lottery_id=drawn.id).values_list("user_id", flat=True))
    assert winners == {keep.id, unbanned.id}


async def test_members_enter_themselves_paying_points_without_overdraft(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    rich, poor, banned = await factory.user(), await factory.user(), await factory.user()
    for member, balance in ((rich, 30), (poor, 5), (banned, 30)):
        await points.grant(await factory.user(role="ADMIN"), member.id, balance, "seed", settings=app_settings)
    await Sanction.create(user_id=banned.id, kind=SanctionKind.BAN)
    with pytest.raises(Invalid):  # only hand-made lists take self entries
        await lotteries.create_lottery(
            mod,
            lotteries.LotteryInput(
                title="x", eligible_set=EligibleSet.CHECK_IN_STREAK, min_streak=1, winner_count=1, self_entry=True
            ),
            settings=app_settings,
        )
    closed = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(title="Staff list", eligible_set=EligibleSet.LIST, winner_count=1),
        settings=app_settings,
    )
    with pytest.raises(Invalid):
        await lotteries.enter(rich, closed.id, settings=app_settings)
    lottery = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Raffle", eligible_set=EligibleSet.LIST, winner_count=1, self_entry=True, entry_cost=10
        ),
        settings=app_settings,
    )
    await lotteries.enter(rich, lottery.id, settings=app_settings)
    with pytest.raises(Conflict):
        await lotteries.enter(rich, lottery.id, settings=app_settings)  # once, and paid once
    with pytest.raises(Conflict):
        await lotteries.enter(poor, lottery.id, settings=app_settings)  # 5 < 10: no overdraft
    with pytest.raises(Sanctioned):
        await lotteries.enter(banned, lottery.id, settings=app_settings)
    assert (await PointAccount.get(user_id=rich.id)).balance == 20 == await points.ledger_balance(rich.id)
    assert (await PointAccount.get(user_id=poor.id)).balance == 5
    assert await LotteryEntrant.filter(lottery_id=lottery.id).values_list("user_id", flat=True) == [rich.id]
    # Cancelling gives the entry back; a frozen lottery takes no more entrants.
    await lotteries.cancel(mod, lottery.id, settings=app_settings)
    assert (await PointAccount.get(user_id=rich.id)).balance == 30 == await points.ledger_balance(rich.id)
    assert await PointEntry.filter(user_id=rich.id, source_type="Lottery").count() == 2
    free = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(title="Free", eligible_set=EligibleSet.LIST, winner_count=1, self_entry=True),
        settings=app_settings,
    )
    await lotteries.enter(poor, free.id, settings=app_settings)
    await lotteries.freeze(mod, free.id, settings=app_settings)
    with pytest.raises(Conflict):
        await lotteries.enter(rich, free.id, settings=app_settings)
