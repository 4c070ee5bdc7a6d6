"""The demo data of moderation: rules, an announcement, a pending join request and a report."""

from __future__ import annotations

from api.demo import accounts, forum, moderation
from api.models.accounts import User
from api.models.moderation import (
    Announcement,
    FilterRule,
    JoinRequest,
    JoinRequestStatus,
    Report,
    RulesVersion,
    SpaceJoinPolicy,
)


async def test_demo_seeds_rules_announcement_join_request_and_report(app_settings):
    state: dict = {}
    for seeder in (accounts, forum, moderation):
        await seeder.seed(app_settings, state)
    assert await RulesVersion.all().count() == 1
    assert await Announcement.filter(published_at__isnull=False, pinned=True).count() == 1
    (request,) = await JoinRequest.filter(status=JoinRequestStatus.PENDING)
    assert request.user_id == state["users"]["张伟"].id
    assert await SpaceJoinPolicy.filter(space_id=request.space_id, policy="APPROVAL").exists()
    (report,) = await Report.filter(open=1)
    assert report.reporter_id == state["users"]["carol"].id and report.subject_type == "Post"
    # Watched words of every action, and members at every trust level but 3 (earned by the job).
    assert {rule.action for rule in await FilterRule.all()} == {"BLOCK", "CENSOR", "REQUIRE_APPROVAL", "FLAG"}
    levels = {u.trust_level for u in await User.filter(role="MEMBER")}
    assert levels == {0, 1, 2, 4} and await User.filter(trust_level=4, trust_level_locked=True).exists()
