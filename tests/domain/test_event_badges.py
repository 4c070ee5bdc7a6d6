"""Badges granted by any domain event (issue 17): a rule names a catalogue event and a count;
the generic observer counts what the member caused and awards once, with several processes too.
Events whose domain declares a history are counted from it (a new badge reaches members who
already qualify through the backfill job); others from the badge's creation on."""

from __future__ import annotations

import asyncio

import pytest

from api.domain.engagement import badges
from api.domain.forum.events import TopicCreated, VoteCast
from api.errors import Forbidden, Invalid
from api.events import emit
from api.models.engagement import Badge, BadgeAward, BadgeCriterion, BadgeTier, EventCount
from api.models.forum import Space, Topic
from api.models.notifications import Notification
from api.registry import registry
from api.timeutil import now


async def _badge(admin, settings, threshold=2, event_name="forum.topic_created"):
    return await badges.create_badge(
        admin,
        name=f"Starter {threshold}",
        tier=BadgeTier.BRONZE,
        criterion=BadgeCriterion.EVENT,
        threshold=threshold,
        event_name=event_name,
        settings=settings,
    )


def _vote(n: int, author_id: int, voter_id: int) -> VoteCast:
    return VoteCast(subject_type="Post", subject_id=n, author_id=author_id, voter_id=voter_id, value=1)


async def test_an_event_badge_without_history_counts_from_its_creation(factory, app_settings):
    admin, member, other = await factory.user(role="ADMIN"), await factory.user(), await factory.user()
    assert "qa.vote_cast" not in registry().histories
    await emit(_vote(0, member.id, other.id))  # before any badge names it: not counted
    badge = await _badge(admin, app_settings, event_name="qa.vote_cast")
    assert badge.event_name == "qa.vote_cast"
    assert await badges.backfill(app_settings) == 0  # no past to award from
    await emit(_vote(1, member.id, other.id))
    await emit(_vote(2, other.id, member.id))
    assert not await BadgeAward.filter(badge_id=badge.id).exists()
    await emit(_vote(3, member.id, other.id))
    assert await BadgeAward.filter(badge_id=badge.id).values_list("user_id", flat=True) == [member.id]
    await emit(_vote(4, member.id, other.id))  # once only
    assert await BadgeAward.filter(badge_id=badge.id).count() == 1
    assert await Notification.filter(kind="engagement.badge_awarded", user_id=member.id).count() == 1
    assert await EventCount.get(user_id=member.id, event_name="qa.vote_cast").values("count") == {"count": 3}
    # A revoked award is not given back by further events.
    await badges.revoke_award(admin, badge.id, member.id, "Vote ring", settings=app_settings)
    await emit(_vote(5, member.id, other.id))
    award = await BadgeAward.get(badge_id=badge.id, user_id=member.id)
    assert award.revoked_at is not None


async def test_several_processes_award_once(factory, app_settings):
    admin, member, voter = await factory.user(role="ADMIN"), await factory.user(), await factory.user()
    badge = await _badge(admin, app_settings, threshold=1, event_name="qa.vote_cast")
    event = _vote(1, member.id, voter.id)
    await asyncio.gather(*(badges.count_event(event, app_settings) for _ in range(5)))
    assert await BadgeAward.filter(badge_id=badge.id).count() == 1
    assert await EventCount.get(user_id=member.id, event_name=event.name).values("count") == {"count": 5}


async def test_only_admins_define_event_badges_for_catalogue_events(factory, app_settings):
    admin, member = await factory.user(role="ADMIN"), await factory.user()
    with pytest.raises(Forbidden):
        await _badge(member, app_settings)
    with pytest.raises(Invalid):
        await _badge(admin, app_settings, event_name="forum.no_such_event")
    with pytest.raises(Invalid):
        await _badge(admin, app_settings, event_name=None)
    assert await Badge.all().count() == 0
    # Events nobody counts are not stored.
    await emit(TopicCreated(topic_id=1, author_id=member.id, space_id=1))
    assert await EventCount.all().count() == 0


async def _topics(space, author, n: int, **extra) -> list[Topic]:
    return [
        await Topic.create(space=space, author=author, title=f"T{i}", body="b", last_activity_at=now(), **extra)
        for i in range(n)
    ]


async def test_a_badge_for_past_events_is_backfilled_once(factory, app_settings):
    admin, prolific, casual, spammer = [await factory.user(role=r) for r in ("ADMIN", "MEMBER", "MEMBER", "MEMBER")]
    space = await Space.create(name="General", slug="general")
    await _topics(space, prolific, 3)
    await _topics(space, casual, 2)
    await _topics(space, spammer, 3, deleted_at=now())  # what no longer stands does not count
    await _topics(space, spammer, 1, held=True)
    await _topics(space, spammer, 1, hidden=True)
    badge = await _badge(admin, app_settings, threshold=3)
    assert not await BadgeAward.filter(badge_id=badge.id).exists()  # the job awards it, not the request
    assert await badges.backfill(app_settings) == 1
    assert await badges.backfill(app_settings) == 0  # run twice: still once
    assert await asyncio.gather(badges.backfill(app_settings), badges.backfill(app_settings)) == [0, 0]
    assert await BadgeAward.filter(badge_id=badge.id).values_list("user_id", flat=True) == [prolific.id]
    told = await Notification.filter(kind="engagement.badge_awarded", subject_id=badge.id)
    assert [n.user_id for n in told] == [prolific.id]
    # The next topic is counted from the history too: exact, not from the badge's creation on.
    third = (await _topics(space, casual, 1))[0]
    await emit(TopicCreated(topic_id=third.id, author_id=casual.id, space_id=space.id))
    assert sorted(await BadgeAward.filter(badge_id=badge.id).values_list("user_id", flat=True)) == sorted(
        [prolific.id, casual.id]
    )
    assert not await EventCount.filter(event_name="forum.topic_created").exists()
    assert await badges.backfill(app_settings) == 0
    assert await Notification.filter(kind="engagement.badge_awarded", subject_id=badge.id).count() == 2


async def test_several_processes_counting_from_history_award_once(factory, app_settings):
    admin, member = await factory.user(role="ADMIN"), await factory.user()
    space = await Space.create(name="General", slug="general")
    badge = await _badge(admin, app_settings, threshold=2)
    topics = await _topics(space, member, 2)
    events = [TopicCreated(topic_id=t.id, author_id=member.id, space_id=space.id) for t in topics]
    await asyncio.gather(*(badges.count_event(e, app_settings) for e in events * 3), badges.backfill(app_settings))
    assert await BadgeAward.filter(badge_id=badge.id).count() == 1
    assert await Notification.filter(kind="engagement.badge_awarded", subject_id=badge.id).count() == 1


async def test_histories_of_replies_answers_reactions_and_registrations(factory, app_settings):
    from api.models.forum import Post, Reaction, TopicKind

    member, other = await factory.user(), await factory.user()
    space = await Space.create(name="General", slug="general")
    discussion = (await _topics(space, other, 1))[0]
    question = (await _topics(space, other, 1, kind=TopicKind.QUESTION))[0]
    await Post.create(topic=discussion, author=member, position=1, body="r")
    await Post.create(topic=discussion, author=member, position=2, body="r", hidden=True)
    await Post.create(topic=question, author=member, position=1, body="a", accepted=True)
    await Post.create(topic=question, author=member, position=2, body="a")
    await Reaction.create(user=member, subject_type="Topic", subject_id=discussion.id, reaction="👍")
    counts = {
        name: await badges.event_count(member.id, name)
        for name in (
            "forum.post_created",
            "qa.answer_created",
            "qa.answer_accepted",
            "forum.reaction_added",
            "accounts.member_registered",
            "forum.topic_created",
            "qa.vote_cast",
        )
    }
    assert counts == {
        "forum.post_created": 1,
        "qa.answer_created": 2,
        "qa.answer_accepted": 1,
        "forum.reaction_added": 1,
        "accounts.member_registered": 1,
        "forum.topic_created": 0,
        "qa.vote_cast": None,  # no history: counted live
    }


async def test_events_no_badge_names_cost_no_query_and_new_badges_are_seen(factory, app_settings, count_queries):
    admin, member, voter = await factory.user(role="ADMIN"), await factory.user(), await factory.user()
    await badges.counted_events(refresh=True)
    with count_queries:
        assert await badges.count_event(_vote(1, member.id, voter.id), app_settings) == []
    assert count_queries.count == 0
    # A badge created in this process is counted at once.
    badge = await _badge(admin, app_settings, threshold=1, event_name="qa.vote_cast")
    assert [a.badge_id for a in await badges.count_event(_vote(2, member.id, voter.id), app_settings)] == [badge.id]


async def test_a_badge_created_by_another_process_counts_once_the_cache_expires(factory, app_settings, monkeypatch):
    member, voter = await factory.user(), await factory.user()
    clock = [1000.0]
    monkeypatch.setattr(badges.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(badges, "EVENT_NAMES_SECONDS", 5.0)
    await badges.counted_events(refresh=True)  # this process read the names: none
    # Another process creates the badge: this one's cache does not know yet.
    badge = await Badge.create(
        name="Voted", tier=BadgeTier.BRONZE, criterion=BadgeCriterion.EVENT, threshold=1, event_name="qa.vote_cast"
    )
    assert await badges.count_event(_vote(1, member.id, voter.id), app_settings) == []
    clock[0] += 5.1  # within EVENT_NAMES_SECONDS, it is seen
    assert [a.badge_id for a in await badges.count_event(_vote(2, member.id, voter.id), app_settings)] == [badge.id]
