"""Trust levels: earned from activity, recomputed by the job (level 3 can be lost), locked by staff;
new members' limits and the privileges levels unlock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.domain.content import gate
from api.domain.content.events import Submission
from api.domain.forum import posts, reading
from api.domain.moderation import invites, reports
from api.domain.trust import levels
from api.domain.trust.levels import Activity, earned_level
from api.errors import ErrorCode, Forbidden, Invalid
from api.models.accounts import MemberActivity, Sanction, SanctionKind, User
from api.models.forum import Reaction, ReadState
from api.models.notifications import Notification
from api.timeutil import now
from tests.domain.forum_helpers import make_post, make_space, make_topic

NEEDS = {
    1: {"topics_entered": 2, "posts_read": 5},
    2: {"days_visited": 3, "replies": 1, "likes_received": 1},
    3: {"window_days": 30, "days_visited": 2, "replies": 1, "sanction_free_days": 30},
}


@pytest.mark.parametrize(
    ("current", "all_time", "recent", "expected"),
    [
        (0, Activity(), Activity(), 0),
        (0, Activity(topics_entered=2, posts_read=5), Activity(), 1),
        (0, Activity(topics_entered=2, posts_read=4), Activity(), 0),  # every requirement, not most
        (0, Activity(topics_entered=2, posts_read=5, days_visited=3, replies=1, likes_received=1), Activity(), 2),
        (2, Activity(), Activity(days_visited=2, replies=1), 3),
        (3, Activity(), Activity(days_visited=1, replies=1), 2),  # level 3 is kept only while earned
        (3, Activity(), Activity(days_visited=2, replies=1, sanctioned_recently=True), 2),
        (2, Activity(), Activity(), 2),  # levels 1 and 2 are never taken back
        (4, Activity(), Activity(), 4),  # leaders are made by staff
    ],
)
def test_earned_level(current, all_time, recent, expected):
    assert earned_level(current, all_time, recent, NEEDS) == expected


def _needs(settings):
    return settings.replace(
        trust_tl1_requirements=tuple(NEEDS[1].items()),
        trust_tl2_requirements=tuple(NEEDS[2].items()),
        trust_tl3_requirements=tuple(NEEDS[3].items()),
    )


async def _visits(user, days_ago):
    for days in days_ago:
        await MemberActivity.create(user_id=user.id, day=(now() - timedelta(days=days)).date(), sign_ins=1)


async def test_the_job_promotes_from_real_activity_and_demotes_regulars(factory, app_settings):
    settings = _needs(app_settings)
    admin = await factory.user(role="ADMIN")
    space = await make_space(admin, "Open")
    reader = await factory.user(trust_level=0)
    idle = await factory.user(trust_level=0)
    topics = [await make_topic(admin, space, settings, title=f"Topic {i}") for i in range(2)]
    for topic in topics:
        for i in range(3):
            await make_post(admin, topic, settings, body=f"Reply {i}")
        await reading.mark_read(reader, topic.id, seconds=30)
    assert await levels.recompute(settings) == 1
    assert (await User.get(id=reader.id)).trust_level == 1 and (await User.get(id=idle.id)).trust_level == 0
    assert await Notification.filter(user_id=reader.id, kind="trust.level_changed").count() == 1

    # Level 2: visits, a reply, a like received.
    await _visits(reader, [80, 60, 40])
    reply = await make_post(reader, topics[0], settings, body="Thanks")
    await Reaction.create(user_id=admin.id, subject_type="Post", subject_id=reply.id, reaction="heart")
    await levels.recompute(settings)
    assert (await User.get(id=reader.id)).trust_level == 2
    # Level 3 from recent activity (two visits within the window), lost once they leave it.
    await _visits(reader, [2, 1])
    await levels.recompute(settings)
    assert (await User.get(id=reader.id)).trust_level == 3
    await MemberActivity.filter(user_id=reader.id, day__gte=(now() - timedelta(days=5)).date()).delete()
    await levels.recompute(settings)
    assert (await User.get(id=reader.id)).trust_level == 2
    assert await levels.recompute(settings) == 0  # nothing left to change


async def test_a_recent_sanction_costs_level_three(factory, app_settings):
    settings = _needs(app_settings)
    admin = await factory.user(role="ADMIN")
    space = await make_space(admin, "Open")
    member = await factory.user(trust_level=2)
    topic = await make_topic(admin, space, settings)
    await make_post(member, topic, settings)
    await _visits(member, [1, 2])
    await levels.recompute(settings)
    assert (await User.get(id=member.id)).trust_level == 3
    await Sanction.create(
        user_id=member.id,
        kind=SanctionKind.MUTE,
        reason="rude",
        created_by_id=admin.id,
        ends_at=now() + timedelta(hours=1),
    )
    await levels.recompute(settings)
    assert (await User.get(id=member.id)).trust_level == 2


async def test_staff_lock_a_level_and_make_leaders(factory, app_settings):
    settings = _needs(app_settings)
    admin = await factory.user(role="ADMIN")
    moderator = await factory.user(role="MODERATOR")
    member = await factory.user(trust_level=0)
    with pytest.raises(Forbidden):
        await levels.set_level(member, member.id, 4, locked=True, settings=settings)
    with pytest.raises(Invalid):
        await levels.set_level(moderator, member.id, 5, locked=True, settings=settings)
    await levels.set_level(moderator, member.id, 4, locked=True, settings=settings)
    await _visits(member, [1])
    await levels.recompute(settings)
    assert (await User.get(id=member.id)).trust_level == 4
    # Staff's change is told to the member (by the event's handler, not by the job).
    told = await Notification.filter(user_id=member.id, kind="trust.level_changed").values_list("message", flat=True)
    assert told == ["You reached trust level 4 (leader)."]
    locked = await levels.set_level(moderator, member.id, 0, locked=True, settings=settings)
    await ReadState.create(
        user_id=member.id,
        topic_id=(await make_topic(admin, await make_space(admin, "S"), settings)).id,
        last_read_position=10,
    )
    await levels.recompute(settings)
    assert locked.trust_level_locked and (await User.get(id=member.id)).trust_level == 0
    released = await levels.set_level(moderator, member.id, None, locked=False, settings=settings)
    assert not released.trust_level_locked and released.trust_level == 0  # one topic entered, two needed


# --- what new members may not do yet --------------------------------------------------------------


async def _screen(author, settings, content_type="Post", body="Hello", **fields):
    return await gate.check(
        Submission(author=author, content_type=content_type, texts={"body": body}, **fields, **gate.measure(body)),
        settings,
    )


async def test_new_members_limits(factory, app_settings):
    settings = app_settings.replace(
        new_member_max_links=1, new_member_max_mentions=1, new_member_max_images=0, new_member_topics_per_day=1
    )
    admin = await factory.user(role="ADMIN")
    space = await make_space(admin, "Open")
    newcomer = await factory.user(trust_level=0)
    basic = await factory.user(trust_level=1)
    two_links = "See https://a.example and https://b.example"
    with pytest.raises(Invalid) as links:
        await _screen(newcomer, settings, body=two_links)
    assert links.value.field == "body" and "1 links" in links.value.message
    with pytest.raises(Invalid):
        await _screen(newcomer, settings, body="Hi @alice and @bob")
    with pytest.raises(Invalid):
        await _screen(newcomer, settings, body="![x](https://a.example/x.png)")
    await _screen(basic, settings, body=two_links)  # level 1: no such limits
    await _screen(admin, settings, body=two_links)

    await make_topic(newcomer, space, settings)
    with pytest.raises(Forbidden) as daily:
        await make_topic(newcomer, space, settings, title="Another")
    assert daily.value.code is ErrorCode.RATE_LIMITED
    await make_topic(basic, space, settings)
    await make_topic(basic, space, settings, title="Another")


async def test_new_members_write_privately_to_staff_only(factory, app_settings):
    settings = app_settings.replace(trust_level_to_message=1)
    newcomer = await factory.user(trust_level=0)
    member = await factory.user()
    moderator = await factory.user(role="MODERATOR")
    with pytest.raises(Forbidden) as refused:
        await _screen(newcomer, settings, content_type="Message", recipients=(member.id,))
    assert refused.value.field == "userIds"
    await _screen(newcomer, settings, content_type="Message", recipients=(moderator.id,))
    await _screen(await factory.user(trust_level=1), settings, content_type="Message", recipients=(member.id,))


# --- privileges levels unlock ---------------------------------------------------------------------


async def test_inviting_needs_its_trust_level(factory, app_settings):
    settings = app_settings.replace(trust_level_to_invite=2, moderation_join_policy="INVITE_ONLY")
    terms = {"max_uses": 1, "expires_at": now() + timedelta(days=1), "settings": settings}
    with pytest.raises(Forbidden):
        await invites.create_invite(await factory.user(trust_level=1), **terms)
    assert await invites.create_invite(await factory.user(trust_level=2), **terms)


async def test_editing_others_posts_needs_its_trust_level(factory, app_settings):
    settings = app_settings.replace(trust_level_to_edit_others=3, reputation_to_edit_others=10**6)
    admin = await factory.user(role="ADMIN")
    space = await make_space(admin, "Open")
    topic = await make_topic(admin, space, settings)
    post = await make_post(await factory.user(), topic, settings)
    with pytest.raises(Forbidden):
        await posts.edit_post(await factory.user(trust_level=2), post.id, "Fixed a typo", settings=settings)
    edited = await posts.edit_post(await factory.user(trust_level=3), post.id, "Fixed a typo", settings=settings)
    assert edited.body == "Fixed a typo"


def test_flag_weight_follows_trust_level(app_settings):
    settings = app_settings.replace(
        flag_weights=(("0", 1), ("1", 1), ("2", 2), ("3", 3), ("4", 5)), flag_hide_threshold=6
    )
    assert [reports.flag_weight(User(trust_level=level, role="MEMBER"), settings) for level in range(5)] == [
        1,
        1,
        2,
        3,
        5,
    ]
    assert reports.flag_weight(User(trust_level=0, role="MODERATOR"), settings) == 6


async def _promotion_costs(factory, app_settings, count_queries, members: int) -> int:
    """Queries of one `recompute` that promotes `members` readers to level 1."""
    settings = _needs(app_settings)
    admin = await factory.user(role="ADMIN", trust_level=4)
    space = await make_space(admin, f"Space {members}")
    topics = [await make_topic(admin, space, settings, title=f"Topic {members} {i}") for i in range(2)]
    readers = [await factory.user(trust_level=0) for _ in range(members)]
    await ReadState.bulk_create(
        [ReadState(user_id=r.id, topic_id=t.id, last_read_position=3) for r in readers for t in topics]
    )
    with count_queries:
        assert await levels.recompute(settings, [admin.id, *[r.id for r in readers]]) == members
    assert set(await User.filter(id__in=[r.id for r in readers]).values_list("trust_level", flat=True)) == {1}
    notes = await Notification.filter(kind="trust.level_changed", user_id__in=[r.id for r in readers])
    assert sorted(n.user_id for n in notes) == sorted(r.id for r in readers)
    assert all(n.subject_id == n.user_id and n.data == {"old": 0, "new": 1} for n in notes)
    assert notes[0].message == "You reached trust level 1 (basic)."
    return count_queries.count


async def test_promoting_30_members_costs_as_much_as_promoting_2(factory, app_settings, count_queries):
    two = await _promotion_costs(factory, app_settings, count_queries, 2)
    thirty = await _promotion_costs(factory, app_settings, count_queries, 30)
    print(f"trust recompute queries: 2 promoted {two}, 30 promoted {thirty}")
    assert thirty == two, (two, thirty)
