"""Demo engagement: points (grants, check-ins, forum activity), badges, titles, rewards with a
redemption, an event with sign-ups and attendance, a finished lottery, a conversation and a
feedback ticket. Uses the domain rules, so the data is what real use would produce."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.domain.engagement import (
    badges,
    checkin,
    events,
    feedback,
    lotteries,
    messages,
    points,
    rewards,
    titles,
)
from api.models.accounts import User
from api.models.engagement import BadgeCriterion, BadgeTier, EligibleSet, EventVisibility, FeedbackCategory
from api.settings import Settings
from api.timeutil import now


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users: dict[str, User] = state["users"]
    admin, mod = users["admin"], users["mod"]
    members = [users[name] for name in ("alice", "bob", "李明", "王芳", "carol", "张伟")]
    alice, bob, li, wang, carol, zhang = members

    # Points: grants, plus a week of check-ins ending today for a few members.
    for member, amount in zip(members, (320, 180, 260, 90, 40, 150), strict=True):
        await points.grant(admin, member.id, amount, "Welcome to the demo community", settings=settings)
    today = now()
    for member, days in ((alice, 7), (li, 3), (wang, 2)):
        for back in range(days - 1, -1, -1):
            await checkin.daily_check_in(member, settings=settings, at=today - timedelta(days=back))

    # Badges: rule-based ones are evaluated now; a hand-made one is awarded.
    streak = await badges.create_badge(
        admin,
        name="Week streak",
        tier=BadgeTier.SILVER,
        description="Checked in 7 days in a row.",
        criterion=BadgeCriterion.CHECK_IN_STREAK,
        threshold=7,
        settings=settings,
    )
    await badges.create_badge(
        admin,
        name="First words",
        tier=BadgeTier.BRONZE,
        description="Wrote a first post.",
        criterion=BadgeCriterion.POSTS,
        threshold=1,
        settings=settings,
    )
    await badges.create_badge(
        admin,
        name="Helpful",
        tier=BadgeTier.GOLD,
        description="Had 10 answers accepted.",
        criterion=BadgeCriterion.ACCEPTED_ANSWERS,
        threshold=10,
        settings=settings,
    )
    organiser = await badges.create_badge(
        admin, name="组织者 Organiser", tier=BadgeTier.GOLD, description="Ran a community event.", settings=settings
    )
    for member in members:
        await badges.evaluate(member.id, *badges.COUNTER_OF)
    await badges.award_badge(mod, organiser.id, li.id, "Ran the spring meetup", settings=settings)
    assert streak.id

    # Titles: point levels exist; an admin-granted title is shown by 李明.
    await titles.sync_level_titles(settings)
    mentor = await titles.create_title(admin, "导师 Mentor", "Guides newcomers.", settings=settings)
    await titles.grant_title(admin, mentor.id, li.id)
    await titles.select_title(li, mentor.id, settings=settings)

    # Rewards catalogue and a redemption.
    mug = await rewards.create_reward(
        mod,
        rewards.RewardInput(
            name="Guildhall mug", description="Ceramic, 350 ml.", cost=150, stock=20, per_member_limit=1
        ),
        settings=settings,
    )
    await rewards.create_reward(
        mod,
        rewards.RewardInput(name="贴纸套装 Sticker pack", description="Six vinyl stickers.", cost=50, stock=100),
        settings=settings,
    )
    await rewards.redeem(alice, mug.id, settings=settings)

    # An event happening now, with sign-ups (one waitlisted) and attendance.
    start = today - timedelta(minutes=30)
    meetup = await events.create_event(
        mod,
        events.EventInput(
            title="Spring meetup 春季聚会",
            description="Talks, tea and the community lottery.",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            location="City library, room 2",
            capacity=4,
            attendance_points=20,
        ),
        settings=settings,
    )
    for minutes, member in enumerate((alice, bob, li, wang, carol)):
        await events.rsvp(member, meetup.id, at=start - timedelta(days=2) + timedelta(minutes=minutes))
    for member in (alice, li, wang):
        await events.check_in_attendee(mod, meetup.id, member.id, settings=settings)
    upcoming = today + timedelta(days=10)
    await events.create_event(
        mod,
        events.EventInput(
            title="Online Q&A with the maintainers",
            starts_at=upcoming,
            ends_at=upcoming + timedelta(hours=1),
            online=True,
            url="https://meet.example.org/guildhall",
            capacity=0,
        ),
        settings=settings,
    )

    # A weekly online study group for members: six occurrences, each with its own sign-ups.
    weekly = today + timedelta(days=2)
    await events.create_event(
        mod,
        events.EventInput(
            title="Weekly study group",
            description="We read one chapter a week together.",
            starts_at=weekly,
            ends_at=weekly + timedelta(hours=1),
            online=True,
            url="https://meet.example.org/study-group",
            visibility=EventVisibility.MEMBERS,
            recurrence="FREQ=WEEKLY;COUNT=6",
        ),
        settings=settings,
    )

    # A finished lottery among the meetup's attendees.
    lottery = await lotteries.create_lottery(
        mod,
        lotteries.LotteryInput(
            title="Meetup lottery 抽奖",
            eligible_set=EligibleSet.EVENT_ATTENDEES,
            winner_count=2,
            prizes=["Guildhall hoodie", "Book voucher"],
            event_id=meetup.id,
        ),
        settings=settings,
    )
    await lotteries.freeze(mod, lottery.id, settings=settings)  # the commitment is public before the draw
    await lotteries.draw(mod, lottery.id, settings=settings)

    # A conversation and a feedback ticket.
    conversation, _ = await messages.start_conversation(
        bob, [alice.id], "Thanks for the bread tips!", settings=settings
    )
    await messages.send_message(alice, conversation.id, "Any time. Did it rise?", settings=settings)
    await messages.set_auto_reply(zhang, "出差中，下周回复。Travelling, back next week.", True, settings=settings)
    ticket = await feedback.file_ticket(
        carol,
        FeedbackCategory.SUGGESTION,
        "Dark mode please",
        "Reading at night is hard on the eyes.",
        settings=settings,
    )
    await feedback.assign(mod, ticket.id, mod.id)
    await feedback.reply(mod, ticket.id, "Good idea, we are on it.", settings=settings)
    state["engagement"] = {"event": meetup, "lottery": lottery, "ticket": ticket}
