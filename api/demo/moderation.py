"""Demo moderation: community rules, a pinned announcement, watched words, an invite, a pending
join request for a space that requires approval, and an open report in the review queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.domain.moderation import admission, invites, premoderation, reports, rules
from api.domain.moderation.announcements import publish_announcement
from api.models.forum import Post
from api.models.moderation import FilterKind, JoinPolicy, JoinRequest, ReportReason, WatchAction
from api.settings import Settings
from api.timeutil import now

RULES = """# Community rules

1. **Be kind.** Disagree with ideas, never with people.
2. **Stay on topic.** Post in the space that fits; moderators may move or close threads.
3. **No spam or self-promotion** without adding value to the discussion.
4. **Respect privacy.** Do not share others' personal information.
5. **Report, don't retaliate.** Use *Report* and let moderators handle it.

社区守则：友善交流，切勿发布广告或他人隐私。
"""


# Watched words, one of each action (README "Watched words").
WATCHED = [
    (FilterKind.WORD, "free money", WatchAction.REQUIRE_APPROVAL, "Typical spam phrase"),
    (FilterKind.WORD, "赌博", WatchAction.REQUIRE_APPROVAL, "Gambling spam (matched inside Chinese text)"),
    (FilterKind.WORD, "代写", WatchAction.BLOCK, "Essay-writing services"),
    (FilterKind.WORD, "darn", WatchAction.CENSOR, "Kept polite"),
    (FilterKind.WORD, "crypto giveaway", WatchAction.FLAG, "Usually a scam; a moderator takes a look"),
    (FilterKind.LINK, "bit.ly", WatchAction.FLAG, "Link shorteners hide where they lead"),
]


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users = state["users"]
    admin, mod = users["admin"], users["mod"]
    current = await rules.publish_rules(admin, RULES, "First version", settings=settings)
    for name in ("alice", "bob", "李明"):
        await rules.accept_rules(users[name], current.version)
    await publish_announcement(
        author_id=admin.id,
        title="Welcome to Guildhall!",
        body="Please read the **community rules** and introduce yourself in the forum.",
        pinned=True,
        settings=settings,
    )
    await publish_announcement(
        author_id=mod.id,
        title="Moderator meeting on Friday",
        body="Agenda: the review queue backlog.",
        audience="ROLE",
        audience_role="MODERATOR",
        settings=settings,
    )
    for kind, pattern, action, why in WATCHED:
        await premoderation.add_filter_rule(admin, kind, pattern, why, action=action, settings=settings)
    await invites.create_invite(users["alice"], max_uses=5, expires_at=now() + timedelta(days=30), settings=settings)

    # A pending join request: a space that requires approval, or the community itself.
    space = (state.get("forum_spaces") or {}).get("lounge")
    if space is not None:
        await admission.set_space_policy(admin, space.id, JoinPolicy.APPROVAL, settings=settings)
        await admission.request_to_join(
            users["张伟"], space.id, "I would like to help with this space.", settings=settings
        )
    else:
        await JoinRequest.create(user=users["张伟"], message="I would like to join.")

    # An open report: on a forum post, or on a member when the forum has none.
    post = await Post.exclude(author_id=users["carol"].id).filter(held=False, deleted_at__isnull=True).first()
    subject_type, subject_id = ("Post", post.id) if post else ("User", users["bob"].id)
    await reports.report(
        users["carol"],
        subject_type,
        subject_id,
        ReportReason.OFF_TOPIC,
        "This does not belong in this thread.",
        settings=settings,
    )
