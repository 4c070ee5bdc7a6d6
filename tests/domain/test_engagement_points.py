"""Points ledger: awards by domain events with daily caps, grants, balances, leaderboards,
badges (rules and by hand, each once) and titles (granted or reached by points)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.domain.engagement import badges, points, titles
from api.domain.forum.events import AnswerAccepted, AnswerCreated, PostCreated, ReactionAdded
from api.errors import Conflict, Forbidden, Invalid
from api.events import dispatch
from api.models.engagement import Badge, BadgeAward, BadgeCriterion, BadgeTier, MemberStats, PointAccount, PointEntry


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


async def test_awards_are_clipped_to_the_daily_cap_of_their_rule(app_settings, factory):
    settings = app_settings.replace(points_rules=(("post", 2),), points_daily_caps=(("post", 5),))
    member = await factory.user()
    awarded = [await points.award(settings, member.id, "post", source_id=i, at=at(2)) for i in range(4)]
    assert [e.amount if e else None for e in awarded] == [2, 2, 1, None]
    # A new community day has a fresh cap.
    assert (await points.award(settings, member.id, "post", at=at(3))).amount == 2
    assert await points.balance(member.id) == 7 == await points.ledger_balance(member.id)


async def test_the_cap_follows_the_community_day_not_the_utc_day(app_settings, factory):
    settings = app_settings.replace(
        points_rules=(("post", 2),), points_daily_caps=(("post", 2),), community_timezone="Asia/Shanghai"
    )
    member = await factory.user()
    # 15:30 and 16:30 UTC are 23:30 on the 2nd and 00:30 on the 3rd in Shanghai: two days, two awards.
    assert await points.award(settings, member.id, "post", at=at(2, 15))
    assert await points.award(settings, member.id, "post", at=datetime(2026, 3, 2, 16, 30, tzinfo=UTC))
    # 10:00 UTC on the 3rd is still the 3rd in Shanghai: capped.
    assert await points.award(settings, member.id, "post", at=at(3, 10)) is None


async def test_forum_events_award_points_once_and_never_for_own_acts(app_settings, factory):
    author, other = await factory.user(), await factory.user()
    rules = dict(app_settings.points_rules)
    await dispatch(PostCreated(post_id=1, topic_id=1, author_id=author.id))
    await dispatch(PostCreated(post_id=1, topic_id=1, author_id=author.id))  # replayed
    await dispatch(AnswerCreated(answer_id=2, question_id=1, author_id=author.id))
    await dispatch(AnswerAccepted(answer_id=2, question_id=1, author_id=author.id, accepted_by=other.id))
    await dispatch(AnswerAccepted(answer_id=3, question_id=1, author_id=author.id, accepted_by=author.id))
    await dispatch(
        ReactionAdded(subject_type="Post", subject_id=1, author_id=author.id, actor_id=other.id, reaction="👍")
    )
    await dispatch(
        ReactionAdded(subject_type="Post", subject_id=1, author_id=author.id, actor_id=author.id, reaction="👍")
    )
    expected = rules["post"] + rules["answer"] + rules["accepted_answer"] + rules["reaction_received"]
    assert await points.balance(author.id) == expected == await points.ledger_balance(author.id)
    assert sorted(await PointEntry.filter(user_id=author.id).values_list("rule", flat=True)) == [
        "accepted_answer",
        "answer",
        "post",
        "reaction_received",
    ]
    stats = await MemberStats.get(user_id=author.id)
    assert (stats.posts, stats.answers, stats.accepted_answers, stats.reactions_received) == (1, 1, 1, 1)
    assert await points.balance(other.id) == 0


async def test_admins_grant_and_deduct_with_a_reason_members_cannot(app_settings, factory):
    admin, mod, member = await factory.user(role="ADMIN"), await factory.user(role="MODERATOR"), await factory.user()
    entry = await points.grant(admin, member.id, 50, "Helped at the meetup", settings=app_settings)
    assert (entry.amount, entry.rule, entry.created_by_id) == (50, "grant", admin.id)
    await points.grant(admin, member.id, -20, "Spam correction", settings=app_settings)
    assert await points.balance(member.id) == 30
    assert (await PointAccount.get(user_id=member.id)).earned == 50  # deductions do not lower levels reached
    with pytest.raises(Forbidden):
        await points.grant(mod, member.id, 10, "no", settings=app_settings)
    with pytest.raises(Invalid) as empty:
        await points.grant(admin, member.id, 10, "   ", settings=app_settings)
    assert empty.value.field == "reason"
    with pytest.raises(Invalid):
        await points.grant(admin, member.id, 10, "x" * (app_settings.max_reason_length + 1), settings=app_settings)
    with pytest.raises(Invalid):
        await points.grant(admin, member.id, 0, "zero", settings=app_settings)
    assert await PointEntry.filter(user_id=member.id).count() == 2


async def test_leaderboards_count_points_earned_in_the_week_month_or_ever(app_settings, factory):
    settings = app_settings.replace(points_daily_caps=())
    a, b, c = await factory.user(), await factory.user(), await factory.user()
    # Wednesday 2026-03-18: its week starts Monday the 16th, its month on the 1st.
    await points.award(settings, a.id, "bonus", amount=10, at=datetime(2026, 2, 20, tzinfo=UTC))
    await points.award(settings, b.id, "bonus", amount=7, at=datetime(2026, 3, 5, tzinfo=UTC))
    await points.award(settings, c.id, "bonus", amount=3, at=datetime(2026, 3, 17, tzinfo=UTC))
    await points.award(settings, b.id, "bonus", amount=1, at=datetime(2026, 3, 16, tzinfo=UTC))
    now = datetime(2026, 3, 18, 9, tzinfo=UTC)
    week, total = await points.leaderboard(settings, points.Period.WEEK, at=now)
    assert [(s.user_id, s.points) for s in week] == [(c.id, 3), (b.id, 1)] and total == 2
    month, _ = await points.leaderboard(settings, points.Period.MONTH, at=now)
    assert [(s.user_id, s.points) for s in month] == [(b.id, 8), (c.id, 3)]
    ever, total = await points.leaderboard(settings, points.Period.ALL_TIME, at=now, offset=1, limit=1)
    assert [(s.rank, s.user_id, s.points) for s in ever] == [(2, b.id, 8)] and total == 3


async def test_rule_badges_are_awarded_once_when_the_threshold_is_reached(app_settings, factory):
    admin, author, other = await factory.user(role="ADMIN"), await factory.user(), await factory.user()
    first_post = await badges.create_badge(
        admin,
        name="First post",
        tier=BadgeTier.BRONZE,
        criterion=BadgeCriterion.POSTS,
        threshold=1,
        settings=app_settings,
    )
    hundred = await badges.create_badge(
        admin,
        name="Liked",
        tier=BadgeTier.GOLD,
        criterion=BadgeCriterion.REACTIONS_RECEIVED,
        threshold=3,
        settings=app_settings,
    )
    for post_id in (1, 2):
        await dispatch(PostCreated(post_id=post_id, topic_id=1, author_id=author.id))
    for n in range(2):
        await dispatch(
            ReactionAdded(subject_type="Post", subject_id=1, author_id=author.id, actor_id=other.id, reaction=f"r{n}")
        )
    assert await BadgeAward.filter(user_id=author.id).values_list("badge_id", flat=True) == [first_post.id]
    await dispatch(
        ReactionAdded(subject_type="Post", subject_id=1, author_id=author.id, actor_id=other.id, reaction="r3")
    )
    assert sorted(await BadgeAward.filter(user_id=author.id).values_list("badge_id", flat=True)) == sorted(
        [first_post.id, hundred.id]
    )
    with pytest.raises(Invalid):
        await badges.create_badge(
            admin,
            name="No threshold",
            tier=BadgeTier.BRONZE,
            criterion=BadgeCriterion.POSTS,
            threshold=0,
            settings=app_settings,
        )


async def test_badges_by_hand_once_per_member_and_only_by_staff(app_settings, factory):
    admin, mod, member = await factory.user(role="ADMIN"), await factory.user(role="MODERATOR"), await factory.user()
    helper = await badges.create_badge(admin, name="Helper", tier=BadgeTier.SILVER, settings=app_settings)
    with pytest.raises(Forbidden):
        await badges.create_badge(mod, name="Mine", tier=BadgeTier.GOLD, settings=app_settings)
    with pytest.raises(Conflict):
        await badges.create_badge(admin, name="Helper", tier=BadgeTier.GOLD, settings=app_settings)
    with pytest.raises(Invalid):
        await badges.create_badge(admin, name=" ", tier=BadgeTier.GOLD, settings=app_settings)
    award = await badges.award_badge(mod, helper.id, member.id, "Ran the meetup", settings=app_settings)
    assert award.awarded_by_id == mod.id
    with pytest.raises(Conflict):
        await badges.award_badge(admin, helper.id, member.id, settings=app_settings)
    with pytest.raises(Forbidden):
        await badges.award_badge(member, helper.id, member.id, settings=app_settings)
    assert await BadgeAward.filter(user_id=member.id).count() == 1
    assert await Badge.all().count() == 1


async def test_titles_are_granted_or_reached_by_points_and_picked_by_the_member(app_settings, factory):
    settings = app_settings.replace(point_levels=(("Newcomer", 0), ("Regular", 100)))
    admin, member = await factory.user(role="ADMIN"), await factory.user()
    names = [t.name for t in await titles.available_titles(settings, member.id)]
    assert names == ["Newcomer"]
    regular = next(t for t in await titles.Title.all() if t.name == "Regular")
    with pytest.raises(Forbidden):
        await titles.select_title(member, regular.id, settings=settings)
    await points.grant(admin, member.id, 100, "Levelling", settings=settings)
    await titles.select_title(member, regular.id, settings=settings)
    assert [t.name if t else None for t in await titles.load_displayed_titles([member.id, admin.id])] == [
        "Regular",
        None,
    ]
    mentor = await titles.create_title(admin, "Mentor 导师", settings=settings)
    with pytest.raises(Forbidden):
        await titles.create_title(member, "Self-made", settings=settings)
    await titles.grant_title(admin, mentor.id, member.id)
    with pytest.raises(Conflict):
        await titles.grant_title(admin, mentor.id, member.id)
    await titles.select_title(member, mentor.id, settings=settings)
    assert (await MemberStats.get(user_id=member.id)).displayed_title_id == mentor.id
    await titles.select_title(member, None, settings=settings)
    assert (await MemberStats.get(user_id=member.id)).displayed_title_id is None


async def test_awards_in_a_batch_are_paid_once_each_and_move_the_sums(app_settings, factory, count_queries):
    ada, bob = await factory.user(), await factory.user()
    awards = [
        points.Award(ada.id, 10, "batch:1", "Referral", 1),
        points.Award(ada.id, 10, "batch:2", "Referral", 2),
        points.Award(bob.id, 10, "batch:3"),
        points.Award(bob.id, 10, "batch:3"),  # the same key twice: once
        points.Award(bob.id, 0, "batch:4"),  # nothing to pay
    ]
    paid = await points.award_many(app_settings, "referral", awards, reason="Batch")
    assert [a.dedupe_key for a in paid] == ["batch:1", "batch:2", "batch:3"]
    assert (await points.balance(ada.id), await points.balance(bob.id)) == (20, 10)
    assert await points.ledger_balance(ada.id) == 20 == (await PointAccount.get(user_id=ada.id)).earned
    again = await points.award_many(app_settings, "referral", [*awards, points.Award(bob.id, 5, "batch:5")])
    assert [a.dedupe_key for a in again] == ["batch:5"]  # those paid before are skipped
    assert await points.balance(bob.id) == 15 == await points.ledger_balance(bob.id)
    many = [await factory.user() for _ in range(20)]
    with count_queries:
        await points.award_many(app_settings, "referral", [points.Award(m.id, 3, f"many:{m.id}") for m in many])
    assert count_queries.count == 5  # accounts read and made, entries, their lock, one update (one total)
    assert [await points.balance(m.id) for m in many] == [3] * 20


async def test_a_batch_of_a_capped_rule_keeps_the_cap(app_settings, factory):
    settings = app_settings.replace(points_daily_caps=(("referral", 15),))
    ada = await factory.user()
    paid = await points.award_many(settings, "referral", [points.Award(ada.id, 10, f"cap:{n}") for n in range(3)])
    assert [a.dedupe_key for a in paid] == ["cap:0", "cap:1"]  # 10, then the 5 left of the cap
    assert await points.balance(ada.id) == 15
