"""Community rules: a versioned Markdown charter published by admins and accepted by members."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from api.db import column
from api.domain.moderation import modlog
from api.domain.moderation._text import note
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.markdown import render_async
from api.models.accounts import Role, User
from api.models.moderation import LogAction, RulesAcceptance, RulesVersion
from api.policies import require_role
from api.settings import Settings
from api.transactions import transaction


async def current_rules() -> RulesVersion | None:
    return await RulesVersion.all().order_by("-version").first()


async def publish_rules(actor: User | None, body: str, change_note: str = "", *, settings: Settings) -> RulesVersion:
    """Admins publish a new version; earlier versions are kept as they were."""
    admin = require_role(actor, Role.ADMIN)
    limit = settings.max_body_length
    if not body.strip():
        raise Invalid("Write the rules.", field="body")
    if len(body) > limit:
        raise Invalid(f"Use at most {limit} characters.", field="body")
    change_note = note(change_note, "changeNote", settings=settings)
    if len(change_note) > 500:  # stored in a 500-character column
        raise Invalid("Use at most 500 characters.", field="changeNote")
    body_html = await render_async(body)  # before the transaction: rendering may take a while
    try:
        async with transaction():
            latest = await current_rules()
            number = latest.version + 1 if latest else 1
            rules = await RulesVersion.create(
                version=number,
                body=body,
                body_html=body_html,
                change_note=change_note,
                author=admin,
            )
            await modlog.record(
                LogAction.RULES_PUBLISHED,
                actor_id=admin.id,
                subject_type="CommunityRules",
                subject_id=rules.id,
                subject_label=f"Version {number}",
                reason=change_note,
            )
    except IntegrityError:  # two admins published at the same moment: the version number is unique
        raise Conflict("Another version was just published; reload and try again.", field="body") from None
    return rules


async def accept_rules(actor: User, version: int | None = None) -> RulesAcceptance:
    """Accept the current rules. `version`, when given, must be the current one, so a member
    never accepts a text they have not seen."""
    rules = await current_rules()
    if rules is None:
        raise NotFound("The community has no rules yet.", field="version")
    if version is not None and version != rules.version:
        raise Conflict(f"Version {rules.version} is the current one; read it first.", field="version")
    acceptance, _ = await RulesAcceptance.get_or_create(rules_id=rules.id, user_id=actor.id)
    return acceptance


async def accepted_version(user_id: int) -> int | None:
    """The newest rules version the member has accepted."""
    rows = await column(RulesAcceptance.filter(user_id=user_id).order_by("-rules__version"), "rules__version")
    return rows[0] if rows else None


async def require_current_acceptance(user: User, *, settings: Settings) -> None:
    """When MODERATION_RULES_REQUIRED is on, members must accept the latest rules to post."""
    if not settings.moderation_rules_required or user.role != Role.MEMBER:
        return
    rules = await current_rules()
    if rules is None:
        return
    if not await RulesAcceptance.filter(rules_id=rules.id, user_id=user.id).exists():
        raise Forbidden(f"Accept the community rules (version {rules.version}) before posting.")
