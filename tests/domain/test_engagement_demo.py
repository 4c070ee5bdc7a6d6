"""The demo engagement data: points, badges, an event with sign-ups and a finished lottery."""

from __future__ import annotations

from api.demo import accounts, engagement, forum
from api.domain.engagement import lotteries, points
from api.models.engagement import (
    BadgeAward,
    Event,
    FeedbackTicket,
    Lottery,
    LotteryStatus,
    LotteryWinner,
    Message,
    PointEntry,
    Redemption,
    Rsvp,
    RsvpStatus,
)


async def test_demo_engagement(app_settings):
    state: dict = {}
    await accounts.seed(app_settings, state)
    await forum.seed(app_settings, state)
    await engagement.seed(app_settings, state)
    alice = state["users"]["alice"]
    assert await PointEntry.filter(rule="grant").count() == 6
    assert await PointEntry.filter(rule="post").count() > 0  # forum activity earned points
    assert await points.balance(alice.id) == await points.ledger_balance(alice.id) > 0
    assert await BadgeAward.filter(user_id=alice.id, badge__name="Week streak").exists()
    event = state["engagement"]["event"]
    statuses = list(await Rsvp.filter(event_id=event.id).values_list("status", flat=True))
    assert statuses.count(RsvpStatus.GOING) == 4 and statuses.count(RsvpStatus.WAITLISTED) == 1
    lottery = await Lottery.get(id=state["engagement"]["lottery"].id)
    assert lottery.status == LotteryStatus.DRAWN
    winners = await LotteryWinner.filter(lottery_id=lottery.id).order_by("rank").values_list("user_id", flat=True)
    assert list(winners) == lotteries.compute_winners(lottery.seed, lottery.eligible_user_ids, 2)
    _, check = await lotteries.verify_draw(lottery.id)  # verifiable: list and seed match the commitment
    assert check.valid and lottery.frozen_at is not None
    series = await Event.filter(title="Weekly study group").order_by("starts_at")
    assert len(series) == 6 and {e.series_id for e in series} == {series[0].id}  # a recurring event
    assert await Redemption.all().count() == 1 and await Message.all().count() >= 2
    assert await FeedbackTicket.filter(first_response_at__isnull=False).count() == 1
