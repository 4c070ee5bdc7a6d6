"""Every moderation mutation against anonymous visitors, members, muted members, banned
members, moderators and admins: the expected refusals, with nothing changed when refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api.domain.moderation import invites, reports, rules, sanctions
from api.domain.moderation.announcements import publish_announcement
from api.models.accounts import Sanction, SanctionKind
from api.models.moderation import FilterRule, JoinRequest, ReportReason
from api.settings import Settings
from api.timeutil import now
from schema.permissions import Require
from schema.relay import node_global_id
from tests.platform.test_mutations import _requirement, _snapshot

ROLES = ("anonymous", "member", "muted", "banned", "moderator", "admin")
# Who is refused, and with which code, for each requirement. Banned members' tokens stop
# working at once, so they are refused as anonymous; muted members keep their role.
REFUSED: dict[Require, dict[str, str]] = {
    Require.SIGNED_IN: {"anonymous": "UNAUTHENTICATED", "banned": "UNAUTHENTICATED"},
    Require.MEMBER: {"anonymous": "UNAUTHENTICATED", "banned": "UNAUTHENTICATED", "muted": "SANCTIONED"},
    Require.MODERATOR: {
        "anonymous": "UNAUTHENTICATED",
        "banned": "UNAUTHENTICATED",
        "muted": "FORBIDDEN",
        "member": "FORBIDDEN",
    },
    Require.ADMIN: {
        "anonymous": "UNAUTHENTICATED",
        "banned": "UNAUTHENTICATED",
        "muted": "FORBIDDEN",
        "member": "FORBIDDEN",
        "moderator": "FORBIDDEN",
    },
}
PERMISSION_CODES = {"UNAUTHENTICATED", "FORBIDDEN", "SANCTIONED"}


async def _world(factory, settings) -> dict[str, Any]:
    """Objects the mutations act on, made through the domain functions."""
    from api.models.forum import Space, Topic

    admin = await factory.user(role="ADMIN")
    await factory.user(role="MODERATOR")
    target, applicant, reporter = await factory.user(), await factory.user(), await factory.user()
    spammer = await factory.user()
    await rules.publish_rules(admin, "Be kind.", settings=settings)
    space = await Space.create(name="Garden", slug="garden")
    hidden = await Topic.create(
        space=space, author=target, title="Hidden", body="b", hidden=True, last_activity_at=now()
    )
    request = await JoinRequest.create(user=applicant, message="hi")
    invite, code = await invites.create_invite(
        admin, max_uses=50, expires_at=now() + timedelta(days=1), settings=settings
    )
    item = (await reports.report(reporter, "User", target.id, ReportReason.SPAM, settings=settings)).item_id
    rule = await FilterRule.create(kind="WORD", pattern="casino")
    sanction = await sanctions.sanction_member(admin, target.id, SanctionKind.WARNING, reason="tone", settings=settings)
    announcement = await publish_announcement(author_id=admin.id, title="Hi", body="All", settings=settings)
    gid = node_global_id
    later = (now() + timedelta(days=2)).isoformat()
    return {
        "publishRules": {"body": "Be kind, v2."},
        "acceptRules": {},
        "requestToJoin": {"message": "Let me in"},
        "approveJoinRequest": {"requestId": gid("JoinRequest", request.id)},
        "rejectJoinRequest": {"requestId": gid("JoinRequest", request.id), "reason": "No"},
        "setSpaceJoinPolicy": {"spaceId": gid("Space", space.id), "policy": "APPROVAL"},
        "createInvite": {"maxUses": 2, "expiresAt": later},
        "revokeInvite": {"inviteId": gid("Invite", invite.id)},
        "redeemInvite": {"code": code},
        "report": {"subjectId": gid("User", target.id), "reason": "ABUSE", "note": "rude"},
        "resolveReport": {"itemId": gid("ReviewItem", item), "action": "DISMISS"},
        "restoreContent": {"subjectId": gid("Topic", hidden.id), "reason": "Mistake"},
        "addFilterRule": {"kind": "LINK", "pattern": "spam.example"},
        "removeFilterRule": {"ruleId": gid("FilterRule", rule.id)},
        "approveHeldContent": {"itemId": gid("ReviewItem", item)},
        "rejectHeldContent": {"itemId": gid("ReviewItem", item), "reason": "No"},
        "sanctionMember": {"userId": gid("User", target.id), "kind": "WARNING", "reason": "Tone"},
        "removeSpammer": {"userId": gid("User", spammer.id), "reason": "Casino links"},
        "revokeSanction": {"sanctionId": gid("Sanction", sanction.id), "reason": "Appeal"},
        "publishAnnouncement": {"title": "News", "body": "Text"},
        "markAnnouncementRead": {"announcementId": gid("Announcement", announcement.id)},
    }


def _moderation_mutations() -> dict[str, Any]:
    from schema import build_schema

    fields = build_schema(Settings.from_env({}, env_file=None))._schema.mutation_type.fields
    return {
        name: field
        for name, field in fields.items()
        if field.extensions["strawberry-definition"].base_resolver.wrapped_func.__module__.startswith(
            "schema.moderation"
        )
    }


def test_the_matrix_covers_every_moderation_mutation():
    import inspect

    source = inspect.getsource(_world)
    missing = [name for name in _moderation_mutations() if f'"{name}":' not in source]
    assert not missing, f"add these mutations to the matrix: {missing}"


async def _tokens(factory) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, db_role in (
        ("member", "MEMBER"),
        ("muted", "MEMBER"),
        ("banned", "MEMBER"),
        ("moderator", "MODERATOR"),
        ("admin", "ADMIN"),
    ):
        user, tokens[role] = await factory.member_with_token(role=db_role)
        if role in ("muted", "banned"):
            kind = SanctionKind.MUTE if role == "muted" else SanctionKind.BAN
            await Sanction.create(user=user, kind=kind, reason="test", ends_at=now() + timedelta(hours=1))
    return tokens


@pytest.mark.parametrize("name", sorted(_moderation_mutations()))
async def test_mutation_matrix(gql, factory, name, app_settings):
    field = _moderation_mutations()[name]
    require = _requirement(field)
    assert require in REFUSED, f"{name}: unexpected requirement {require}"
    variables = {"input": (await _world(factory, app_settings))[name]}
    tokens = await _tokens(factory)
    for token in tokens.values():
        if token:
            await gql("{ viewer { user { id } } }", token=token)  # the last-seen update happens now
    document = (
        f"mutation($input: {field.args['input'].type}) "
        f"{{ {name}(input: $input) {{ errors {{ field code message }} }} }}"
    )
    before = await _snapshot()
    for role, code in REFUSED[require].items():
        errors = (await gql(document, variables, token=tokens[role]))[name]["errors"]
        assert [e["code"] for e in errors] == [code], (role, errors)
    assert await _snapshot() == before, "a refused mutation changed something"
    for role in ROLES:
        if role in REFUSED[require]:
            continue
        errors = (await gql(document, variables, token=tokens[role]))[name]["errors"]
        assert not {e["code"] for e in errors} & PERMISSION_CODES, (role, errors)
