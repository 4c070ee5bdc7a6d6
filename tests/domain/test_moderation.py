"""Moderation rules without GraphQL: rules, admission and invites, reports and the queue,
sanctions, pre-moderation and the append-only log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.domain.accounts import RegistrationInput, login, register
from api.domain.content import gate
from api.domain.content.events import ContentHeld, Submission
from api.domain.moderation import admission, invites, modlog, premoderation, reports, rules, sanctions
from api.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from api.events import emit
from api.models.accounts import Role, Sanction, SanctionKind, User
from api.models.moderation import (
    Admission,
    AppendOnlyError,
    CaseStatus,
    FilterKind,
    Invite,
    JoinRequest,
    JoinRequestStatus,
    LogAction,
    ModerationAction,
    ModerationLogEntry,
    Referral,
    Report,
    ReportReason,
    ReviewItem,
)
from api.models.notifications import Notification
from api.policies import active_restrictions
from api.ratelimit import MemoryRateLimiter
from api.settings import set_settings
from api.timeutil import now
from tests.conftest import TEST_PASSWORD
from tests.domain.moderation_support import NAME, NoteStore


@pytest.fixture
def notes():
    store = NoteStore()
    store.register()
    yield store
    NoteStore.unregister()


@pytest.fixture
def configure(app_settings):
    """Settings changed for one test (passed to the domain functions); restored afterwards."""

    def apply(**changes):
        changed = app_settings.replace(**changes)
        set_settings(changed)
        return changed

    yield apply
    set_settings(app_settings)


async def ask(author, text: str, settings) -> str:
    """What the content gate says of a holdable text by `author`: "hold" or "publish"."""
    verdict = await gate.check(
        Submission(author=author, content_type=NAME, texts={"body": text}, holdable=True), settings
    )
    return "hold" if verdict.held else "publish"


async def submit(author, note_id: int, text: str, settings) -> None:
    """Pass a stored note through the gate as its domain does (queued for review when held)."""
    verdict = await gate.check(
        Submission(author=author, content_type=NAME, texts={"body": text}, holdable=True), settings
    )
    await gate.announce(verdict, NAME, note_id, author.id)


def _signup(name: str) -> RegistrationInput:
    return RegistrationInput(username=name, email=f"{name}@example.org", password=TEST_PASSWORD, display_name=name)


# --- rules -----------------------------------------------------------------------------------


async def test_rules_are_versioned_and_acceptance_gates_posting(factory, configure, app_settings):
    settings = app_settings
    admin = await factory.user(role="ADMIN")
    member = await factory.user()
    with pytest.raises(Forbidden):
        await rules.publish_rules(member, "# Be kind", settings=settings)
    with pytest.raises(Invalid):
        await rules.publish_rules(admin, "   ", settings=settings)
    with pytest.raises(Invalid) as too_long:
        await rules.publish_rules(admin, "x" * (app_settings.max_body_length + 1), settings=settings)
    assert too_long.value.field == "body"
    with pytest.raises(Invalid) as long_note:
        await rules.publish_rules(admin, "ok", "n" * 501, settings=settings)
    assert long_note.value.field == "changeNote"
    first = await rules.publish_rules(admin, "# Be kind", settings=settings)
    second = await rules.publish_rules(admin, "# Be kind\n\nNo spam.", "Added spam rule", settings=settings)
    assert (first.version, second.version) == (1, 2)
    assert "<h1>Be kind</h1>" in second.body_html
    assert (await rules.current_rules()).id == second.id
    settings = configure(moderation_rules_required=True)
    with pytest.raises(Forbidden):
        await ask(member, "hi", settings)
    with pytest.raises(Conflict):
        await rules.accept_rules(member, version=1)  # not the current text
    await rules.accept_rules(member, version=2)
    await rules.accept_rules(member)  # idempotent
    assert await rules.accepted_version(member.id) == 2
    assert await ask(member, "hi", settings) == "publish"
    assert await ModerationLogEntry.filter(action=LogAction.RULES_PUBLISHED).count() == 2


# --- admission and invites -------------------------------------------------------------------


async def test_invite_only_sign_up_needs_a_valid_code_and_records_the_referral(factory, configure, app_settings):
    settings = app_settings
    settings = configure(moderation_join_policy="INVITE_ONLY")
    inviter = await factory.user()
    with pytest.raises(Invalid) as refused:
        await register(_signup("nocode"), settings=settings, sign_up=True)
    assert refused.value.field == "inviteCode"
    assert not await User.filter(username="nocode").exists()  # rolled back
    invite, code = await invites.create_invite(
        inviter, max_uses=1, expires_at=now() + timedelta(days=1), settings=settings
    )
    assert code.startswith("inv_") and invite.code_hash != code
    newcomer = await register(_signup("newcomer"), settings=settings, invite_code=code, sign_up=True)
    referral = await Referral.get(invitee_id=newcomer.id)
    assert referral.inviter_id == inviter.id and referral.invite_id == invite.id
    assert await admission.is_admitted(newcomer, settings=settings)
    with pytest.raises(Invalid) as used_up:
        await register(_signup("second"), settings=settings, invite_code=code, sign_up=True)
    assert used_up.value.field == "inviteCode" and not await User.filter(username="second").exists()
    assert (await Invite.get(id=invite.id)).uses == 1
    # Accounts made by operators are not subject to the policy.
    assert await register(_signup("operator"), settings=settings, role=Role.MODERATOR)


async def test_invite_limits_roles_and_revocation(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    member = await factory.user()
    soon = now() + timedelta(days=2)
    with pytest.raises(Forbidden):
        await invites.create_invite(member, max_uses=1, expires_at=soon, role="MODERATOR", settings=app_settings)
    with pytest.raises(Invalid):
        await invites.create_invite(member, max_uses=0, expires_at=soon, settings=app_settings)
    with pytest.raises(Invalid):
        await invites.create_invite(member, max_uses=1, expires_at=now() - timedelta(minutes=1), settings=app_settings)
    invite, code = await invites.create_invite(
        admin, max_uses=3, expires_at=soon, role="MODERATOR", settings=app_settings
    )
    await invites.revoke_invite(admin, invite.id)
    with pytest.raises(Invalid):
        await invites.consume(code)
    with pytest.raises(NotFound):
        await invites.revoke_invite(member, invite.id)  # not theirs


async def test_invite_grants_its_role(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    _, code = await invites.create_invite(
        admin, max_uses=2, expires_at=now() + timedelta(days=1), role="MODERATOR", settings=app_settings
    )
    user = await register(_signup("newmod"), settings=app_settings, invite_code=code, sign_up=True)
    assert user.role == Role.MODERATOR and (await User.get(id=user.id)).role == Role.MODERATOR


async def test_approval_policy_join_requests(factory, configure, app_settings):
    settings = app_settings
    settings = configure(moderation_join_policy="APPROVAL")
    moderator = await factory.user(role="MODERATOR")
    applicant = await register(_signup("applicant"), settings=settings, sign_up=True)
    assert not await admission.is_admitted(applicant, settings=settings)
    with pytest.raises(Forbidden):
        await ask(applicant, "hi", settings)
    request = await admission.request_to_join(applicant, None, "I love this community", settings=settings)
    with pytest.raises(Conflict):
        await admission.request_to_join(applicant, None, "again", settings=settings)
    with pytest.raises(Forbidden):
        await admission.approve_join_request(applicant, request.id, settings=settings)
    with pytest.raises(Invalid):
        await admission.reject_join_request(moderator, request.id, "", settings=settings)  # a reason is required
    assert [r.id for r in await admission.pending_requests()] == [request.id]
    await admission.reject_join_request(moderator, request.id, "Tell us more about you.", settings=settings)
    assert (await JoinRequest.get(id=request.id)).status == JoinRequestStatus.REJECTED
    notice = await Notification.get(user_id=applicant.id)
    assert "Tell us more about you." in notice.message
    again = await admission.request_to_join(
        applicant, None, "I write about birds", settings=settings
    )  # a new request is allowed
    approved = await admission.approve_join_request(moderator, again.id, settings=settings)
    with pytest.raises(Conflict):
        await admission.approve_join_request(moderator, again.id, settings=settings)
    assert approved.status == JoinRequestStatus.APPROVED
    assert await admission.is_admitted(applicant, settings=settings)
    assert await ask(applicant, "hi", settings) == "publish"
    assert await ModerationLogEntry.filter(action__in=[LogAction.JOIN_APPROVED, LogAction.JOIN_REJECTED]).count() == 2


async def test_open_sign_up_is_admitted_and_invite_only_refuses_requests(factory, configure, app_settings):
    settings = app_settings
    member = await register(_signup("early"), settings=settings, sign_up=True)
    assert await Admission.filter(user_id=member.id, scope=0).exists()
    settings = configure(moderation_join_policy="INVITE_ONLY")
    assert await admission.is_admitted(member, settings=settings)  # joined while open
    late = await factory.user()
    with pytest.raises(Forbidden):
        await admission.request_to_join(late, None, "please", settings=settings)
    with pytest.raises(Conflict):
        await admission.request_to_join(member, None, "please", settings=settings)


# --- reports and the queue -------------------------------------------------------------------


async def test_reports_gather_per_subject_one_open_per_reporter(factory, notes, app_settings):
    author, alice, bob = await factory.user(), await factory.user(), await factory.user()
    notes.add(1, author.id)
    notes.add(2, author.id)
    first = await reports.report(alice, NAME, 1, ReportReason.SPAM, settings=app_settings)
    with pytest.raises(Conflict):
        await reports.report(alice, NAME, 1, ReportReason.ABUSE, settings=app_settings)
    await reports.report(bob, NAME, 1, ReportReason.ABUSE, "rude", settings=app_settings)
    await reports.report(bob, NAME, 2, ReportReason.OFF_TOPIC, settings=app_settings)
    await reports.report(alice, "User", author.id, ReportReason.OTHER, "spams everywhere", settings=app_settings)
    with pytest.raises(Invalid):
        await reports.report(alice, "User", alice.id, ReportReason.OTHER, "me", settings=app_settings)
    with pytest.raises(Invalid):
        await reports.report(
            alice, "User", author.id, ReportReason.OTHER, "", settings=app_settings
        )  # OTHER needs a note
    with pytest.raises(NotFound):
        await reports.report(alice, NAME, 99, ReportReason.SPAM, settings=app_settings)
    with pytest.raises(Invalid) as long_note:
        await reports.report(bob, "User", author.id, ReportReason.SPAM, "x" * 2001, settings=app_settings)
    assert long_note.value.field == "note"
    with pytest.raises(Invalid):
        await reports.report(alice, "Nonsense", 1, ReportReason.SPAM, settings=app_settings)
    item = await ReviewItem.get(id=first.item_id)
    assert item.report_count == 2 and item.subject_author_id == author.id
    most = [(i.subject_type, i.subject_id) for i in await reports.queue(reports.QueueOrder.MOST_REPORTED)]
    assert most[0] == (NAME, 1) and len(most) == 3


async def test_resolve_hides_content_and_notifies_reporters(factory, notes, app_settings):
    moderator = await factory.user(role="MODERATOR")
    author, alice, bob = await factory.user(), await factory.user(), await factory.user()
    notes.add(1, author.id)
    report = await reports.report(alice, NAME, 1, ReportReason.SPAM, settings=app_settings)
    await reports.report(bob, NAME, 1, ReportReason.SPAM, settings=app_settings)
    with pytest.raises(Forbidden):
        await reports.resolve(
            alice, report.item_id, ModerationAction.HIDE_CONTENT, reason="spam", settings=app_settings
        )
    with pytest.raises(Invalid):
        await reports.resolve(
            moderator, report.item_id, ModerationAction.HIDE_CONTENT, settings=app_settings
        )  # reason needed
    (alert,) = await Notification.filter(user_id=moderator.id, kind="moderation.review_needed")  # once per item
    assert (alert.subject_type, alert.subject_id) == ("ReviewItem", report.item_id)
    item = await reports.resolve(
        moderator, report.item_id, ModerationAction.HIDE_CONTENT, reason="Spam link", settings=app_settings
    )
    assert item.status == CaseStatus.RESOLVED and notes.notes[1].hidden
    assert notes.calls == [("hide", 1, moderator.id)]
    assert await Report.filter(item_id=item.id, open=1).count() == 0
    assert await Notification.filter(kind="moderation.report_resolved").count() == 2
    with pytest.raises(Conflict):
        await reports.resolve(moderator, item.id, ModerationAction.DISMISS, settings=app_settings)
    # A new report after resolution opens a new item; alice may report again.
    again = await reports.report(alice, NAME, 1, ReportReason.ABUSE, settings=app_settings)
    assert again.item_id != item.id
    with pytest.raises(Forbidden):
        await reports.restore_content(alice, NAME, 1, "mistake", settings=app_settings)
    with pytest.raises(Invalid):
        await reports.restore_content(moderator, "User", author.id, "not content", settings=app_settings)
    await reports.restore_content(moderator, NAME, 1, "Hidden by mistake", settings=app_settings)
    assert not notes.notes[1].hidden and notes.calls[-1] == ("unhide", 1, moderator.id)
    with pytest.raises(Conflict):
        await reports.restore_content(moderator, NAME, 1, "twice", settings=app_settings)
    assert await ModerationLogEntry.filter(action=LogAction.CONTENT_RESTORED).count() == 1
    entry = await ModerationLogEntry.get(action=LogAction.CONTENT_HIDDEN)
    assert (entry.actor_id, entry.subject_type, entry.subject_id, entry.reason) == (moderator.id, NAME, 1, "Spam link")


async def test_resolve_with_sanctions(factory, notes, app_settings):
    moderator = await factory.user(role="MODERATOR")
    author, alice = await factory.user(), await factory.user()
    notes.add(1, author.id)
    notes.add(2, moderator.id)
    muted = await reports.report(alice, NAME, 1, ReportReason.ABUSE, settings=app_settings)
    with pytest.raises(Invalid):
        await reports.resolve(
            moderator, muted.item_id, ModerationAction.MUTE, reason="abuse", settings=app_settings
        )  # no duration
    await reports.resolve(
        moderator,
        muted.item_id,
        ModerationAction.MUTE,
        reason="abuse",
        duration=timedelta(hours=2),
        settings=app_settings,
    )
    (mute,) = await active_restrictions(author.id)
    assert mute.kind == SanctionKind.MUTE and mute.ends_at > now() + timedelta(minutes=110)
    # A moderator's own content cannot get them sanctioned by a peer; nothing is resolved then.
    staff_report = await reports.report(alice, NAME, 2, ReportReason.ABUSE, settings=app_settings)
    with pytest.raises(Forbidden):
        await reports.resolve(moderator, staff_report.item_id, ModerationAction.WARN, reason="x", settings=app_settings)
    assert (await ReviewItem.get(id=staff_report.item_id)).status == CaseStatus.OPEN
    # A member report resolved with a permanent ban: the member cannot sign in anymore.
    member_report = await reports.report(alice, "User", author.id, ReportReason.SPAM, settings=app_settings)
    await reports.resolve(
        moderator, member_report.item_id, ModerationAction.BAN, reason="spam bot", settings=app_settings
    )
    with pytest.raises(Unauthenticated):
        await login(author.username, TEST_PASSWORD, app_settings, MemoryRateLimiter())
    with pytest.raises(Invalid):
        await reports.resolve(
            moderator,
            (await reports.report(alice, "User", moderator.id, ReportReason.SPAM, settings=app_settings)).item_id,
            ModerationAction.DELETE_CONTENT,
            reason="x",
            settings=app_settings,
        )


async def test_sanctions_expire_and_can_be_lifted(factory, app_settings):
    admin = await factory.user(role="ADMIN")
    moderator = await factory.user(role="MODERATOR")
    member = await factory.user()
    with pytest.raises(Forbidden):
        await sanctions.sanction_member(moderator, admin.id, SanctionKind.WARNING, reason="x", settings=app_settings)
    with pytest.raises(Forbidden):
        await sanctions.sanction_member(member, moderator.id, SanctionKind.WARNING, reason="x", settings=app_settings)
    await sanctions.sanction_member(
        admin, moderator.id, SanctionKind.WARNING, reason="be careful", settings=app_settings
    )
    mute = await sanctions.sanction_member(
        moderator, member.id, SanctionKind.MUTE, reason="heated", duration=timedelta(hours=1), settings=app_settings
    )
    assert await active_restrictions(member.id)
    await Sanction.filter(id=mute.id).update(ends_at=now() - timedelta(seconds=1))
    assert await active_restrictions(member.id) == []  # expired by itself
    ban = await sanctions.sanction_member(
        moderator, member.id, SanctionKind.BAN, reason="again", duration=timedelta(days=1), settings=app_settings
    )
    await sanctions.revoke_sanction(moderator, ban.id, "appeal accepted", settings=app_settings)
    with pytest.raises(Conflict):
        await sanctions.revoke_sanction(moderator, ban.id, "twice", settings=app_settings)
    assert await active_restrictions(member.id) == []
    assert [s.kind for s in await sanctions.sanctions_of(member.id)] == [SanctionKind.BAN, SanctionKind.MUTE]
    assert await sanctions.sanctions_of(moderator.id, SanctionKind.WARNING).count() == 1


# --- pre-moderation --------------------------------------------------------------------------


def test_filter_matching():
    from api.models.moderation import FilterRule

    rules_ = [
        FilterRule(kind=FilterKind.WORD, pattern="buy now"),
        FilterRule(kind=FilterKind.LINK, pattern="spam.example"),
    ]
    assert premoderation.match_rules("Please BUY  now!", rules_)
    assert premoderation.match_rules("buy nowhere", rules_) is None
    assert premoderation.match_rules("see https://www.cdn.spam.example/x", rules_) == "Contains a link to spam.example."
    assert premoderation.match_rules("see https://notspam.example/x", rules_) is None
    assert premoderation.match_rules("link www.example.org", [FilterRule(kind=FilterKind.LINK, pattern="*")])


async def test_premoderation_holds_and_approval_publishes(factory, notes, configure, app_settings):
    settings = app_settings
    admin = await factory.user(role="ADMIN")
    moderator = await factory.user(role="MODERATOR")
    member = await factory.user()
    with pytest.raises(Forbidden):
        await premoderation.add_filter_rule(moderator, FilterKind.WORD, "casino", settings=settings)
    with pytest.raises(Invalid):
        await premoderation.add_filter_rule(admin, FilterKind.LINK, "not a domain", settings=settings)
    rule = await premoderation.add_filter_rule(admin, FilterKind.WORD, "Casino", settings=settings)
    with pytest.raises(Conflict):
        await premoderation.add_filter_rule(admin, FilterKind.WORD, "casino", settings=settings)
    assert await ask(member, "Best casino", settings) == "hold"
    assert await ask(moderator, "casino", settings) == "publish"
    assert await ask(member, "hello", settings) == "publish"
    notes.add(5, member.id, text="Best casino", held=True)
    await submit(member, 5, "Best casino", settings)
    (item,) = await reports.queue(kind=reports.QueueFilter.HELD)
    assert item.held and item.hold_reason == "Contains “casino”."
    with pytest.raises(Conflict):
        await reports.resolve(moderator, item.id, ModerationAction.DISMISS, settings=settings)
    await premoderation.approve_held(moderator, item.id)
    assert notes.calls == [("publish", 5, moderator.id)] and not notes.notes[5].held
    with pytest.raises(Conflict):
        await premoderation.reject_held(moderator, item.id, "too late", settings=settings)
    await premoderation.remove_filter_rule(admin, rule.id)
    # First posts of new members.
    settings = configure(moderation_premoderate_first_posts=1)
    assert await ask(admin, "x", settings) == "publish"
    newcomer = await factory.user()
    assert await ask(newcomer, "hello", settings) == "hold"
    notes.add(6, newcomer.id, held=True)
    await submit(newcomer, 6, "hello", settings)
    held = await ReviewItem.get(subject_id=6)
    assert held.hold_reason == "New members' first 1 posts are reviewed."
    await premoderation.reject_held(moderator, held.id, "Off topic", settings=settings)
    assert notes.notes[6].deleted
    assert await ask(newcomer, "hello", settings) == "hold"
    assert await ask(member, "hello", settings) == "publish"  # one approved
    actions = [e.action for e in await modlog.entries()]
    assert actions[:3] == [LogAction.CONTENT_REJECTED, LogAction.FILTER_REMOVED, LogAction.CONTENT_APPROVED]
    # Content reported, then held (e.g. after an edit): deciding it tells the reporter too.
    notes.add(7, member.id)
    reported = await reports.report(newcomer, NAME, 7, ReportReason.SPAM, settings=settings)
    await emit(ContentHeld(content_type=NAME, content_id=7, author_id=member.id))
    assert (await ReviewItem.get(id=reported.item_id)).held
    await premoderation.reject_held(moderator, reported.item_id, "Spam", settings=settings)
    assert await Notification.filter(user_id=newcomer.id, kind="moderation.report_resolved").exists()


# --- the log ----------------------------------------------------------------------------------


async def test_moderation_log_is_append_only(factory, configure, app_settings):
    settings = app_settings
    moderator = await factory.user(role="MODERATOR")
    entry = await modlog.record(
        LogAction.MEMBER_WARNED, actor_id=moderator.id, subject_type="User", subject_id=moderator.id, reason="test"
    )
    entry.reason = "changed"
    with pytest.raises(AppendOnlyError):
        await entry.save()
    with pytest.raises(AppendOnlyError):
        await entry.delete()
    with pytest.raises(AppendOnlyError):
        await ModerationLogEntry.filter(id=entry.id).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        await ModerationLogEntry.filter(id=entry.id).delete()
    assert (await ModerationLogEntry.get(id=entry.id)).reason == "test"
    member = await factory.user()
    assert (
        modlog.shows_actor(moderator, settings=settings)
        and not modlog.shows_actor(member, settings=settings)
        and not modlog.shows_actor(None, settings=settings)
    )
    settings = configure(moderation_log_shows_moderator=True)
    assert modlog.shows_actor(member, settings=settings)


async def test_spaces_without_an_override_follow_the_community(factory, configure, app_settings):
    settings = app_settings
    from api.models.forum import Space

    settings = configure(moderation_join_policy="APPROVAL")
    moderator = await factory.user(role="MODERATOR")
    member = await register(_signup("joiner"), settings=settings, sign_up=True)
    plain = await Space.create(name="Plain", slug="plain")
    request = await admission.request_to_join(member, None, "hello", settings=settings)
    await admission.approve_join_request(moderator, request.id, settings=settings)
    assert await admission.is_admitted(member, plain.id, settings=settings)  # no second request per space
    with pytest.raises(Conflict):
        await admission.request_to_join(member, plain.id, "again", settings=settings)
