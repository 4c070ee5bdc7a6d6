"""Notifications by mail: mailed at once or gathered in a daily or weekly digest as each member
chose, at the digest hour of their time zone (or the community's), one digest per member per
period even with several processes, and nothing listed twice. Read from a real SMTP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from api.domain.mail import worker
from api.domain.mail.digest import period_key, send_digests
from api.domain.mail.preferences import PreferencesInput, set_preferences
from api.domain.notifications import notify
from api.models.mail import Delivery, Digest, MailOutbox, MailPreference
from api.models.notifications import Notification
from api.timeutil import now

# Monday 30 November 2026, 08:30 in Shanghai (00:30 UTC): past a 07:00 digest hour there.
MONDAY_SHANGHAI_0830 = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def test_periods_start_at_the_local_digest_hour():
    monday = datetime(2026, 11, 30, 7, 0)
    assert period_key(Digest.DAILY, monday, 7) == "D2026-11-30"
    assert period_key(Digest.DAILY, monday - timedelta(minutes=1), 7) is None
    assert period_key(Digest.WEEKLY, monday, 7) == "W2026-49"
    assert period_key(Digest.WEEKLY, monday - timedelta(minutes=1), 7) is None  # Monday before the hour
    assert period_key(Digest.WEEKLY, monday + timedelta(days=3, hours=-5), 7) == "W2026-49"  # later that week
    assert period_key(Digest.NONE, monday, 7) is None


async def test_a_notification_is_mailed_at_once_when_the_member_chose_so(mail_settings, smtp, factory):
    member = await factory.user(email="ada@example.org")
    await notify(member.id, "qa.accepted", message="Your answer to “Tea?” was accepted.")
    await notify(member.id, "trust.level_changed", message="You reached trust level 2.")  # digest kind
    await worker.drain(mail_settings)
    [mail] = smtp.messages
    assert mail["Subject"] == "Your answer to “Tea?” was accepted."
    assert mail["List-Unsubscribe"] is not None
    assert "http://localhost:3000/notifications" in mail.get_body(("plain",)).get_content()
    await set_preferences(member, PreferencesInput(kinds={"qa.accepted": Delivery.IN_APP}), settings=mail_settings)
    await notify(member.id, "qa.accepted", message="Another answer accepted.")
    assert await MailOutbox.all().count() == 0
    assert await Notification.filter(user_id=member.id).count() == 3  # in-app all the same


async def _digest_world(factory, settings):
    ada = await factory.user(email="ada@example.org")
    bob = await factory.user(email="bob@example.org", locale="zh-CN")
    for member in (ada, bob):
        await set_preferences(
            member, PreferencesInput(digest=Digest.DAILY, timezone="Asia/Shanghai"), settings=settings
        )
        await notify(member.id, "trust.level_changed", message="You reached trust level 2.")
        await notify(member.id, "engagement.badge_awarded", message="You earned the Helper badge.")
    read = await notify(ada.id, "engagement.title_granted", message="Already read.")
    read.read_at = read.created_at
    await read.save()
    await MailOutbox.all().delete()  # immediate mails, if any: only digests are looked at here
    return ada, bob


async def test_one_digest_per_member_per_day_even_with_several_processes(mail_settings, smtp, factory):
    ada, _bob = await _digest_world(factory, mail_settings)
    counts = await asyncio.gather(*(send_digests(mail_settings, moment=MONDAY_SHANGHAI_0830) for _ in range(4)))
    assert sum(counts) == 2
    assert await send_digests(mail_settings, moment=MONDAY_SHANGHAI_0830 + timedelta(hours=3)) == 0
    await worker.drain(mail_settings)
    mails = {m["To"]: m for m in smtp.messages}
    assert sorted(mails) == ["ada@example.org", "bob@example.org"]
    ada_text = mails["ada@example.org"].get_body(("plain",)).get_content()
    assert mails["ada@example.org"]["Subject"] == "Your daily summary"
    assert "You reached trust level 2." in ada_text and "You earned the Helper badge." in ada_text
    assert "Already read." not in ada_text
    assert mails["ada@example.org"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mails["bob@example.org"]["Subject"] == "您的每日摘要"  # Bob reads Chinese
    assert "您的通知" in mails["bob@example.org"].get_body(("plain",)).get_content()
    # The next day lists only what is new; a day with nothing new sends nothing.
    smtp.clear()
    await notify(ada.id, "trust.level_changed", message="You reached trust level 3.")
    assert await send_digests(mail_settings, moment=MONDAY_SHANGHAI_0830 + timedelta(days=1)) == 1
    await worker.drain(mail_settings)
    [mail] = smtp.messages
    text = mail.get_body(("plain",)).get_content()
    assert "trust level 3" in text and "trust level 2" not in text


async def test_digests_wait_for_the_local_hour(mail_settings, smtp, factory):
    ada, _ = await _digest_world(factory, mail_settings)
    # 06:30 in Shanghai: too early there, though it is 22:30 (past 07:00) in the community's London.
    early = MONDAY_SHANGHAI_0830 - timedelta(hours=2)
    assert await send_digests(mail_settings.replace(community_timezone="Europe/London"), moment=early) == 0
    # Members without a time zone of their own follow the community's.
    await set_preferences(ada, PreferencesInput(timezone=""), settings=mail_settings)
    pacific = mail_settings.replace(community_timezone="America/Los_Angeles")
    monday_0630_la = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    assert await send_digests(pacific, moment=monday_0630_la) == 1  # Bob (22:30 in Shanghai), not Ada
    assert await send_digests(pacific, moment=monday_0630_la + timedelta(hours=1)) == 1  # 07:30 in LA: Ada
    await worker.drain(mail_settings)
    assert [m["To"] for m in smtp.messages] == ["bob@example.org", "ada@example.org"]


async def test_weekly_digests_and_members_who_opted_out(mail_settings, smtp, factory):
    ada, bob = await _digest_world(factory, mail_settings)
    await set_preferences(ada, PreferencesInput(digest=Digest.WEEKLY), settings=mail_settings)
    await set_preferences(bob, PreferencesInput(bulk_mail=False), settings=mail_settings)
    silent = await factory.user(email="cy@example.org")  # never chose: weekly by default
    await notify(silent.id, "trust.level_changed", message="Welcome to level 1.")
    await MailOutbox.all().delete()
    assert await send_digests(mail_settings, moment=MONDAY_SHANGHAI_0830 + timedelta(hours=8)) == 2
    assert await send_digests(mail_settings, moment=MONDAY_SHANGHAI_0830 + timedelta(days=2)) == 0
    await worker.drain(mail_settings)
    assert sorted(m["To"] for m in smtp.messages) == ["ada@example.org", "cy@example.org"]
    assert (await MailPreference.get(user_id=silent.id)).digest == Digest.WEEKLY


async def test_the_inactive_member_review_reminds_by_mail(mail_settings, smtp, factory):
    from api.domain.engagement.inactive import remind
    from api.models.accounts import User

    staff = await factory.user(role="MODERATOR")
    quiet = await factory.user(email="quiet@example.org")
    await User.filter(id=quiet.id).update(created_at=now_minus(days=200), last_seen_at=None)
    assert await remind(staff, 90, message="We miss you at the Guild!", settings=mail_settings) == 1
    await worker.drain(mail_settings)
    [mail] = smtp.messages
    assert mail["To"] == "quiet@example.org" and mail["Subject"] == "We miss you at the Guild!"


def now_minus(**delta):
    return now() - timedelta(**delta)


async def test_a_digest_lists_upcoming_events_and_popular_topics_anyone_may_read(mail_settings, smtp, factory):
    from api.domain.engagement import events
    from api.models.accounts import Visibility
    from tests.domain.forum_helpers import make_space, make_topic

    admin = await factory.user(role="ADMIN", email="admin@example.org")
    ada = await factory.user(email="ada@example.org")
    await set_preferences(admin, PreferencesInput(digest=Digest.NONE), settings=mail_settings)
    await set_preferences(ada, PreferencesInput(digest=Digest.DAILY, timezone="UTC"), settings=mail_settings)
    public = await make_space(admin, "Lobby")
    private = await make_space(admin, "Staff room", visibility=Visibility.PRIVATE)
    await make_topic(admin, public, mail_settings, title="Welcome, everyone")
    await make_topic(admin, private, mail_settings, title="Secret staff plans")
    start = now() + timedelta(days=2)
    event = await events.create_event(
        admin,
        events.EventInput(title="Tea meetup", starts_at=start, ends_at=start + timedelta(hours=1), location="Hall"),
        settings=mail_settings,
    )
    await events.rsvp(ada, event.id)
    await MailOutbox.all().delete()
    assert await send_digests(mail_settings.replace(digest_hour=0), moment=now() + timedelta(hours=1)) == 1
    await worker.drain(mail_settings)
    [mail] = smtp.messages
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Your upcoming events\n- Tea meetup (" in text
    assert "Popular topics\n- Welcome, everyone <http://localhost:3000/topics/" in text
    assert "Secret staff plans" not in text
    assert "Your notifications" not in text  # nothing unread to tell
    assert '<a href="http://localhost:3000/topics/' in mail.get_body(("html",)).get_content()


async def test_a_digest_lists_the_announcements_addressed_to_the_member_once(mail_settings, smtp, factory):
    from api.domain.moderation.announcements import publish_announcement

    admin = await factory.user(role="ADMIN", email="admin@example.org")
    ada = await factory.user(email="ada@example.org")
    await set_preferences(admin, PreferencesInput(digest=Digest.NONE), settings=mail_settings)
    await set_preferences(ada, PreferencesInput(digest=Digest.DAILY, timezone="UTC"), settings=mail_settings)
    await publish_announcement(
        author_id=admin.id, title="Spring fair on Saturday", body="Come!", settings=mail_settings
    )
    await publish_announcement(
        author_id=admin.id,
        title="Staff only: rota",
        body="...",
        audience="ROLE",
        audience_role="MODERATOR",
        settings=mail_settings,
    )
    settings = mail_settings.replace(digest_hour=0)
    assert await send_digests(settings, moment=now() + timedelta(minutes=1)) == 1
    assert await send_digests(settings, moment=now() + timedelta(days=1, minutes=1)) == 0  # nothing new
    await worker.drain(mail_settings)
    [mail] = smtp.messages
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Announcements\n- Spring fair on Saturday <http://localhost:3000/announcements/" in text
    assert "Staff only" not in text


async def test_a_digest_lists_open_votes_the_member_has_not_cast(mail_settings, smtp, factory):
    from api.domain.governance.ballots import cast_vote
    from api.models.mail import MailPreference
    from tests.domain.governance_helpers import committee_with, open_proposal

    _admin, chair, (ada, bob, _), committee = await committee_with(factory, mail_settings)
    proposal = await open_proposal(chair, committee, mail_settings)
    await cast_vote(bob, proposal.id, ["YES"], settings=mail_settings)
    await MailPreference.all().delete()
    await MailOutbox.all().delete()
    await set_preferences(ada, PreferencesInput(digest=Digest.DAILY), settings=mail_settings)
    await set_preferences(bob, PreferencesInput(digest=Digest.DAILY), settings=mail_settings)
    queued = await send_digests(mail_settings.replace(digest_hour=0), moment=now() + timedelta(minutes=1))
    await worker.drain(mail_settings)
    texts = {m["To"]: m.get_body(("plain",)).get_content().replace("\r\n", "\n") for m in smtp.messages}
    assert "Open votes\n- Adopt the charter <http://localhost:3000/proposals/" in texts[ada.email]
    assert "Open votes" not in texts.get(bob.email, "")  # Bob voted already
    assert queued >= 1
