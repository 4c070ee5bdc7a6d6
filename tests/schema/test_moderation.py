"""Moderation through GraphQL: rules, admission and invites, reports and the queue, sanctions,
pre-moderation, the log and announcements; query counts of the main lists."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.models.accounts import Committee, CommitteeMembership, Sanction, SanctionKind, User
from api.models.moderation import (
    Announcement,
    JoinRequest,
    ModerationLogEntry,
    Report,
    ReportReason,
    ReviewItem,
)
from api.timeutil import now
from schema.relay import node_global_id
from tests.domain.moderation_support import NAME, NoteStore

PUBLISH_RULES = """
mutation($input: PublishRulesInput!) { publishRules(input: $input) {
  rules { id version bodyHtml } errors { field code message } } }"""
ACCEPT_RULES = """
mutation($input: AcceptRulesInput!) { acceptRules(input: $input) { rules { version } errors { field code } } }"""
RULES = "{ communityRules { version acceptedByViewer } communityRulesVersions { totalCount nodes { version } } }"
REGISTER = """
mutation($input: RegisterInput!) { register(input: $input) { user { username } errors { field code message } } }"""
CREATE_INVITE = """
mutation($input: CreateInviteInput!) { createInvite(input: $input) {
  code invite { id codeHint maxUses uses usable } errors { field code message } } }"""
REFERRALS = "{ referrals { totalCount nodes { inviter { username } invitee { username } } } }"
REQUEST_TO_JOIN = """
mutation($input: RequestToJoinInput!) { requestToJoin(input: $input) { request { id status } errors { field code } } }"""
REJECT_JOIN = """
mutation($input: RejectJoinRequestInput!) { rejectJoinRequest(input: $input) {
  request { status decisionReason } errors { field code } } }"""
JOIN_REQUESTS = """
query($status: JoinRequestStatus, $first: Int) { joinRequests(status: $status, first: $first) {
  totalCount nodes { id status message decisionReason applicant { username } decidedBy { username } } } }"""
REPORT = """
mutation($input: ReportInput!) { report(input: $input) { report { id reason subjectType } errors { field code message } } }"""
QUEUE = """
query($order: ReviewQueueOrder!, $first: Int) { reviewQueue(order: $order, first: $first) {
  totalCount nodes { id subjectId subjectType reportCount held author { username }
    subject { title hidden } reports { totalCount nodes { reason note reporter { username } } } } } }"""
RESOLVE = """
mutation($input: ResolveReportInput!) { resolveReport(input: $input) {
  item { status action } errors { field code message } } }"""
SANCTION = """
mutation($input: SanctionMemberInput!) { sanctionMember(input: $input) {
  sanction { id kind active endsAt } errors { field code message } } }"""
MEMBER_MODERATION = """
query($id: ID!) { memberModeration(userId: $id) {
  warnings { totalCount } mutes { totalCount nodes { active givenBy { username } } } bans { totalCount }
  activeRestrictions { kind } } }"""
LOG = """
query($first: Int) { moderationLog(first: $first) {
  totalCount nodes { action subjectType subjectId subjectLabel reason moderator { username } } } }"""
PUBLISH_ANNOUNCEMENT = """
mutation($input: PublishAnnouncementInput!) { publishAnnouncement(input: $input) {
  announcement { id title publishedAt audience } errors { field code message } } }"""
ANNOUNCEMENTS = """
query($first: Int) { announcements(first: $first) {
  totalCount nodes { id title pinned readByViewer author { username } } } unreadAnnouncementCount }"""
MARK_READ = """
mutation($input: MarkAnnouncementReadInput!) { markAnnouncementRead(input: $input) {
  unreadCount errors { code } } }"""


@pytest.fixture
def notes():
    store = NoteStore()
    store.register()
    yield store
    NoteStore.unregister()


async def test_rules_publish_accept_and_versions(gql, factory):
    _, admin = await factory.member_with_token(role="ADMIN")
    _, member = await factory.member_with_token()
    assert (await gql(RULES))["communityRules"] is None
    empty = (await gql(PUBLISH_RULES, {"input": {"body": " "}}, token=admin))["publishRules"]
    assert empty["errors"][0]["field"] == "body" and empty["rules"] is None
    await gql(PUBLISH_RULES, {"input": {"body": "Be kind."}}, token=admin)
    published = (
        await gql(PUBLISH_RULES, {"input": {"body": "# Be kind\nNo spam.", "changeNote": "spam"}}, token=admin)
    )["publishRules"]
    assert published["rules"]["version"] == 2 and "<h1>" in published["rules"]["bodyHtml"]
    stale = (await gql(ACCEPT_RULES, {"input": {"version": 1}}, token=member))["acceptRules"]
    assert stale["errors"][0]["code"] == "CONFLICT"
    accepted = (await gql(ACCEPT_RULES, {"input": {"version": 2}}, token=member))["acceptRules"]
    assert accepted == {"rules": {"version": 2}, "errors": []}
    rules = await gql(RULES, token=member)
    assert rules["communityRules"] == {"version": 2, "acceptedByViewer": True}
    assert [n["version"] for n in rules["communityRulesVersions"]["nodes"]] == [2, 1]


async def test_invite_only_registration_and_referrals(gql, factory, set_community):
    await set_community(moderation_join_policy="INVITE_ONLY")
    inviter, token = await factory.member_with_token()
    signup = {"username": "guest", "email": "guest@example.org", "password": "a-good-long-passphrase"}
    refused = (await gql(REGISTER, {"input": signup}))["register"]
    assert refused["errors"][0]["field"] == "inviteCode" and refused["user"] is None
    created = (
        await gql(
            CREATE_INVITE, {"input": {"maxUses": 1, "expiresAt": (now() + timedelta(days=3)).isoformat()}}, token=token
        )
    )["createInvite"]
    assert created["errors"] == [] and created["invite"]["usable"]
    registered = (await gql(REGISTER, {"input": {**signup, "inviteCode": created["code"]}}))["register"]
    assert registered["errors"] == [] and registered["user"]["username"] == "guest"
    referrals = (await gql(REFERRALS, token=token))["referrals"]
    assert referrals["nodes"] == [{"inviter": {"username": inviter.username}, "invitee": {"username": "guest"}}]
    again = (
        await gql(
            REGISTER,
            {"input": {**signup, "username": "guest2", "email": "g2@example.org", "inviteCode": created["code"]}},
        )
    )["register"]
    assert again["errors"][0]["field"] == "inviteCode"
    assert not await User.filter(username="guest2").exists()


async def test_join_requests_rejected_with_a_reason_the_applicant_sees(gql, factory, set_community):
    await set_community(moderation_join_policy="APPROVAL")
    applicant, token = await factory.member_with_token()
    _moderator, mod_token = await factory.member_with_token(role="MODERATOR")
    request = (await gql(REQUEST_TO_JOIN, {"input": {"message": "Hello!"}}, token=token))["requestToJoin"]
    assert request["request"]["status"] == "PENDING"
    pending = (await gql(JOIN_REQUESTS, {"status": "PENDING"}, token=mod_token))["joinRequests"]
    assert pending["totalCount"] == 1 and pending["nodes"][0]["applicant"]["username"] == applicant.username
    rejected = (
        await gql(
            REJECT_JOIN, {"input": {"requestId": request["request"]["id"], "reason": "Spam profile"}}, token=mod_token
        )
    )["rejectJoinRequest"]
    assert rejected == {"request": {"status": "REJECTED", "decisionReason": "Spam profile"}, "errors": []}
    mine = (await gql(JOIN_REQUESTS, token=token))["joinRequests"]["nodes"]
    assert mine[0]["decisionReason"] == "Spam profile" and mine[0]["decidedBy"] is None  # staff only
    _other, other_token = await factory.member_with_token()
    assert (await gql(JOIN_REQUESTS, token=other_token))["joinRequests"]["totalCount"] == 0


async def test_report_queue_and_resolution(gql, factory, notes):
    author = await factory.user("writer")
    _, alice = await factory.member_with_token()
    _, bob = await factory.member_with_token()
    _moderator, mod_token = await factory.member_with_token(role="MODERATOR")
    notes.add(1, author.id, text="buy pills")
    notes.add(2, author.id)
    note_1, note_2 = node_global_id(NAME, 1), node_global_id(NAME, 2)
    for token, subject in ((alice, note_1), (bob, note_1), (alice, note_2)):
        data = (await gql(REPORT, {"input": {"subjectId": subject, "reason": "SPAM"}}, token=token))["report"]
        assert data["errors"] == []
    dup = (await gql(REPORT, {"input": {"subjectId": note_1, "reason": "ABUSE"}}, token=alice))["report"]
    assert dup["errors"][0]["code"] == "CONFLICT"
    member_report = (
        await gql(
            REPORT,
            {"input": {"subjectId": node_global_id("User", author.id), "reason": "OTHER", "note": "bot"}},
            token=bob,
        )
    )["report"]
    assert member_report["report"]["subjectType"] == "User"
    members_refused = await gql(QUEUE, {"order": "NEWEST"}, token=alice, expect_errors=True)
    assert members_refused["data"] is None and "moderator" in members_refused["errors"][0]["message"]
    queue = (await gql(QUEUE, {"order": "MOST_REPORTED"}, token=mod_token))["reviewQueue"]
    top = queue["nodes"][0]
    assert queue["totalCount"] == 3 and top["subjectId"] == note_1 and top["reportCount"] == 2
    assert top["author"]["username"] == "writer" and top["subject"]["title"] == "Note 1"
    assert top["reports"]["totalCount"] == 2
    reporters = {r["reporter"]["username"] for r in top["reports"]["nodes"]}
    assert reporters == {u.username for u in await User.filter(role="MEMBER").exclude(username="writer")}
    no_reason = await gql(RESOLVE, {"input": {"itemId": top["id"], "action": "HIDE_CONTENT"}}, token=mod_token)
    assert no_reason["resolveReport"]["errors"][0]["field"] == "reason"
    resolved = (
        await gql(
            RESOLVE, {"input": {"itemId": top["id"], "action": "HIDE_CONTENT", "reason": "Spam"}}, token=mod_token
        )
    )["resolveReport"]
    assert resolved == {"item": {"status": "RESOLVED", "action": "HIDE_CONTENT"}, "errors": []}
    assert notes.notes[1].hidden
    member_item = next(n for n in queue["nodes"] if n["subjectType"] == "User")
    banned = (
        await gql(
            RESOLVE,
            {"input": {"itemId": member_item["id"], "action": "BAN", "reason": "Bot", "durationHours": 24}},
            token=mod_token,
        )
    )["resolveReport"]
    assert banned["errors"] == []
    (ban,) = await Sanction.filter(user_id=author.id)
    assert ban.kind == SanctionKind.BAN and ban.ends_at is not None


async def test_sanctions_and_member_record(gql, factory):
    member, member_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    target = node_global_id("User", member.id)
    no_duration = (
        await gql(SANCTION, {"input": {"userId": target, "kind": "MUTE", "reason": "heat"}}, token=mod_token)
    )["sanctionMember"]
    assert no_duration["errors"][0]["field"] == "durationHours"
    muted = (
        await gql(
            SANCTION,
            {"input": {"userId": target, "kind": "MUTE", "reason": "heat", "durationHours": 2}},
            token=mod_token,
        )
    )["sanctionMember"]
    assert muted["sanction"]["active"] and muted["sanction"]["kind"] == "MUTE"
    await gql(SANCTION, {"input": {"userId": target, "kind": "WARNING", "reason": "tone"}}, token=mod_token)
    record = (await gql(MEMBER_MODERATION, {"id": target}, token=mod_token))["memberModeration"]
    assert record["warnings"]["totalCount"] == 1 and record["mutes"]["totalCount"] == 1
    assert record["bans"]["totalCount"] == 0 and record["activeRestrictions"] == [{"kind": "MUTE"}]
    on_member = "query($name: String!) { user(username: $name) { moderation { warnings { totalCount } } } }"
    staff_view = (await gql(on_member, {"name": member.username}, token=mod_token))["user"]
    assert staff_view == {"moderation": {"warnings": {"totalCount": 1}}}
    assert (await gql(on_member, {"name": member.username}, token=member_token))["user"]["moderation"] is None
    # The muted member is refused any member write, and cannot see the record.
    refused = (
        await gql(
            CREATE_INVITE,
            {"input": {"maxUses": 1, "expiresAt": (now() + timedelta(days=1)).isoformat()}},
            token=member_token,
        )
    )["createInvite"]
    assert refused["errors"][0]["code"] == "SANCTIONED"
    hidden = await gql(MEMBER_MODERATION, {"id": target}, token=member_token, expect_errors=True)
    assert (
        hidden["data"]["memberModeration"] is None
        and hidden["errors"][0]["message"] == "This needs the moderator role."
    )
    # A ban takes effect at once: the member's token stops working.
    assert (await gql("{ viewer { user { id } } }", token=member_token))["viewer"] is not None
    banned = (await gql(SANCTION, {"input": {"userId": target, "kind": "BAN", "reason": "Enough"}}, token=mod_token))[
        "sanctionMember"
    ]
    assert banned["errors"] == [] and banned["sanction"]["endsAt"] is None
    assert (await gql("{ viewer { user { id } } }", token=member_token))["viewer"] is None


async def test_moderation_log_shows_the_moderator_to_staff_and_by_setting(gql, factory, set_community):
    member, member_token = await factory.member_with_token()
    moderator, mod_token = await factory.member_with_token(role="MODERATOR")
    await gql(
        SANCTION,
        {"input": {"userId": node_global_id("User", member.id), "kind": "WARNING", "reason": "Tone"}},
        token=mod_token,
    )
    staff_view = (await gql(LOG, token=mod_token))["moderationLog"]["nodes"][0]
    assert staff_view["action"] == "MEMBER_WARNED" and staff_view["moderator"]["username"] == moderator.username
    assert staff_view["subjectLabel"] == member.username
    public = (await gql(LOG))["moderationLog"]["nodes"][0]
    assert public["moderator"] is None and public["subjectLabel"] is None and public["reason"] == "Tone"
    await set_community(moderation_log_shows_moderator=True)
    shown = (await gql(LOG, token=member_token))["moderationLog"]["nodes"][0]
    assert shown["moderator"]["username"] == moderator.username


async def test_announcements_audience_read_state_and_subscription(gql, factory, app_settings):
    from api.ratelimit import MemoryRateLimiter
    from schema import build_schema
    from schema.context import Context

    member, member_token = await factory.member_with_token()
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    committee = await Committee.create(name="Events")
    outsider, outsider_token = await factory.member_with_token()
    await CommitteeMembership.create(committee=committee, user=member, joined_at=now())
    ctx = Context(settings=app_settings, limiter=MemoryRateLimiter(), viewer=outsider)
    stream = await build_schema(app_settings).subscribe(
        "subscription { announcementPublished { title } }", context_value=ctx
    )
    first_event = asyncio.create_task(anext(stream))
    for _ in range(20):  # let the subscription reach the broker before anything is published
        await asyncio.sleep(0)
    for title, extra in (
        ("Everyone", {"pinned": True}),
        ("Committee", {"audience": "COMMITTEE", "committeeId": node_global_id("Committee", committee.id)}),
        ("Later", {"publishAt": (now() + timedelta(days=1)).isoformat()}),
    ):
        data = (await gql(PUBLISH_ANNOUNCEMENT, {"input": {"title": title, "body": "Text", **extra}}, token=mod_token))[
            "publishAnnouncement"
        ]
        assert data["errors"] == []
    received = await asyncio.wait_for(first_event, 5)
    assert received.data == {"announcementPublished": {"title": "Everyone"}}  # not the committee's
    await stream.aclose()
    mine = await gql(ANNOUNCEMENTS, token=member_token)
    assert [n["title"] for n in mine["announcements"]["nodes"]] == ["Everyone", "Committee"]
    assert mine["unreadAnnouncementCount"] == 2
    theirs = await gql(ANNOUNCEMENTS, token=outsider_token)
    assert [n["title"] for n in theirs["announcements"]["nodes"]] == ["Everyone"]
    committee_one = mine["announcements"]["nodes"][1]["id"]
    refused = await gql(MARK_READ, {"input": {"announcementId": committee_one}}, token=outsider_token)
    assert refused["markAnnouncementRead"]["errors"][0]["code"] == "NOT_FOUND"
    marked = await gql(MARK_READ, {"input": {"announcementId": committee_one}}, token=member_token)
    assert marked["markAnnouncementRead"] == {"unreadCount": 1, "errors": []}
    assert (await gql(ANNOUNCEMENTS, token=member_token))["announcements"]["nodes"][1]["readByViewer"] is True
    bad = await gql(PUBLISH_ANNOUNCEMENT, {"input": {"title": "", "body": ""}}, token=mod_token)
    assert {e["field"] for e in bad["publishAnnouncement"]["errors"]} == {"title", "body"}
    assert await Announcement.all().count() == 3


# --- query counts ------------------------------------------------------------------------------


async def _count(gql, count_queries, document, variables, token):
    with count_queries as counter:
        await gql(document, variables, token=token)
    return counter.count


async def test_main_lists_cost_the_same_for_5_and_50_items(gql, factory, notes, count_queries):
    _, mod_token = await factory.member_with_token(role="MODERATOR")
    members = [await factory.user() for _ in range(3)]
    for index in range(1, 56):
        author = members[index % 3]
        notes.add(index, author.id)
        item = await ReviewItem.create(
            subject_type=NAME, subject_id=index, subject_author=author, report_count=2, last_reported_at=now()
        )
        for reporter in members[:2]:
            await Report.create(
                item=item, reporter=reporter, subject_type=NAME, subject_id=index, reason=ReportReason.SPAM, note="x"
            )
        await ModerationLogEntry.create(
            action="MEMBER_WARNED",
            actor_id=members[index % 2].id,
            subject_type="User",
            subject_id=author.id,
            reason="r",
        )
        await Announcement.create(
            author_id=members[index % 3].id, title=f"A{index}", body="b", publish_at=now(), published_at=now()
        )
        await JoinRequest.create(user=members[index % 3], message="m", scope=1000 + index, space_id=1000 + index)
    await gql("{ viewer { user { id } } }", token=mod_token)  # the last-seen update happens now
    documents = [
        (QUEUE, {"order": "NEWEST"}),
        (LOG, {}),
        (ANNOUNCEMENTS, {}),
        (JOIN_REQUESTS, {}),
    ]
    for document, variables in documents:
        small = await _count(gql, count_queries, document, {**variables, "first": 5}, mod_token)
        large = await _count(gql, count_queries, document, {**variables, "first": 50}, mod_token)
        assert small == large, (document.split("{")[1][:40], small, large)
