"""Lotteries: the seed is committed at opening and revealed at the draw; winners are recomputed
from the revealed seed and the sorted eligible list by independent code."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from api.domain.engagement import events, lotteries
from api.errors import Conflict, Forbidden, NotFound
from api.models.engagement import EligibleSet, LotteryStatus, LotteryWinner, MemberStats
from api.timeutil import now


def recompute(seed: str, eligible: list[int], count: int) -> list[int]:
    """The documented algorithm, written again from its description."""
    pool = sorted(eligible)
    picked = []
    for rank in range(1, min(count, len(pool)) + 1):
        h = int.from_bytes(hashlib.sha256(f"{seed}:{rank}".encode()).digest(), "big")
        picked.append(pool.pop(h % len(pool)))
    return picked


async def test_hand_made_list_draw_is_reproducible_from_the_revealed_seed(app_settings, factory):
    mod = await factory.user(role="MODERATOR")
    members = [await factory.user() for _ in range(12)]
    lottery = await lotteries.create_lottery(mod, lotteries.LotteryInput(
        title="Spring draw", eligible_set=EligibleSet.LIST, winner_count=3, prizes=["Book", "Mug"],
        user_ids=[m.id for m in members[:8]],
    ), settings=app_settings)
    commitment = lottery.commitment
    await lotteries.add_entrants(mod, lottery.id, [m.id for m in members[6:]])  # overlaps are ignored
    drawn = await lotteries.draw(mod, lottery.id, settings=app_settings)
    assert drawn.status == LotteryStatus.DRAWN and drawn.commitment == commitment
    assert hashlib.sha256(drawn.seed.encode()).hexdigest() == commitment
    assert drawn.eligible_user_ids == sorted(m.id for m in members)
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
    event = await events.create_event(mod, events.EventInput(
        title="Hack night", starts_at=start, ends_at=start + timedelta(hours=3), location="Lab"), settings=app_settings)
    came, stayed_home = await factory.user(), await factory.user()
    for member in (came, stayed_home):
        await events.rsvp(member, event.id)
    await events.check_in_attendee(mod, event.id, came.id, settings=app_settings)
    by_event = await lotteries.create_lottery(mod, lotteries.LotteryInput(
        title="Attendees", eligible_set=EligibleSet.EVENT_ATTENDEES, winner_count=1, event_id=event.id), settings=app_settings)
    assert await lotteries.eligible_ids(by_event, app_settings) == [came.id]

    today = now().date()
    streaky, lapsed, short = await factory.user(), await factory.user(), await factory.user()
    await MemberStats.create(user_id=streaky.id, current_streak=9, longest_streak=9, last_check_in_day=today)
    await MemberStats.create(user_id=lapsed.id, current_streak=9, longest_streak=9,
                             last_check_in_day=today - timedelta(days=3))
    await MemberStats.create(user_id=short.id, current_streak=2, longest_streak=2, last_check_in_day=today)
    by_streak = await lotteries.create_lottery(mod, lotteries.LotteryInput(
        title="Streaks", eligible_set=EligibleSet.CHECK_IN_STREAK, winner_count=2, min_streak=7), settings=app_settings)
    drawn = await lotteries.draw(mod, by_streak.id, settings=app_settings)
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
    with pytest.raises(Conflict):
        await lotteries.draw(mod, lottery.id, settings=app_settings)  # nobody eligible
    with pytest.raises(NotFound):
        await lotteries.create_lottery(mod, lotteries.LotteryInput(
            title="No event", eligible_set=EligibleSet.EVENT_ATTENDEES, winner_count=1, event_id=999), settings=app_settings)
    cancelled = await lotteries.cancel(mod, lottery.id)
    assert cancelled.status == LotteryStatus.CANCELLED


async def test_survey_respondents_are_an_eligible_set(app_settings, factory):
    from api.models.governance import Survey, SurveyResponse

    mod = await factory.user(role="MODERATOR")
    answered, silent = await factory.user(), await factory.user()
    survey = await Survey.create(author_id=mod.id, title="How are we doing?")
    await SurveyResponse.create(survey_id=survey.id, respondent_id=answered.id, answers={"1": "Great"})
    lottery = await lotteries.create_lottery(mod, lotteries.LotteryInput(
        title="Thanks for answering", eligible_set=EligibleSet.SURVEY_RESPONDENTS, winner_count=1,
        survey_id=survey.id), settings=app_settings)
    drawn = await lotteries.draw(mod, lottery.id, settings=app_settings)
    assert drawn.eligible_user_ids == [answered.id] and silent.id not in drawn.eligible_user_ids
