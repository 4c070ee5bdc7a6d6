"""Pre-moderation: the admins' watched words (`FilterRule`, matched by `watched`) and the
moderators' decisions on held and flagged content.

The content gate (`api.domain.content.gate`) asks this domain two questions about every member
text: `MayPost` (admitted? current rules accepted?) and `ScreenText` (watched words and the review of
new members' first posts), answered by `may_post` and `screen_text` here. Held content is queued on
its `ContentHeld` event, flagged content on `ContentFlagged`; approving held content calls the
content type's `publish`, rejecting it its `delete`."""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from api.db import column
from api.domain import content
from api.domain.content.events import ContentFlagged, ContentHeld, MayPost, Screened, ScreenText
from api.domain.moderation import admission, modlog, rules, watched
from api.domain.moderation._text import note
from api.domain.moderation.reports import close_item, load_subjects, open_item
from api.domain.notifications import notify, notify_many
from api.errors import Conflict, Invalid, NotFound, collect
from api.models.accounts import Role, User
from api.models.moderation import CaseStatus, FilterKind, FilterRule, LogAction, Report, ReviewItem, WatchAction
from api.policies import is_staff, require_role
from api.settings import Settings

APPROVED = "APPROVED"
REJECTED = "REJECTED"
ANY_LINK = "*"

_DOMAIN_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _normalise_pattern(kind: FilterKind, pattern: str) -> str:
    value = pattern.strip().lower()
    if kind is FilterKind.WORD:
        if not value:
            raise Invalid("Enter a word or phrase.", field="pattern")
        if len(value) > 100:
            raise Invalid("Use at most 100 characters.", field="pattern")
        return " ".join(value.split())
    if value == ANY_LINK:
        return value
    value = value.removeprefix("http://").removeprefix("https://").split("/")[0].removeprefix("www.")
    if not _DOMAIN_RE.match(value):
        raise Invalid("Enter a domain such as example.com, or * for any link.", field="pattern")
    return value


async def add_filter_rule(
    actor: User | None,
    kind: FilterKind,
    pattern: str,
    note_text: str = "",
    *,
    action: WatchAction = WatchAction.REQUIRE_APPROVAL,
    settings: Settings,
) -> FilterRule:
    admin = require_role(actor, Role.ADMIN)
    value = _normalise_pattern(kind, pattern)
    if kind is FilterKind.LINK and action is WatchAction.CENSOR:
        raise Invalid("Links cannot be censored: block, hold or flag them.", field="action")
    note_text = note(note_text, "note", settings=settings)
    if len(note_text) > 200:  # stored in a 200-character column
        raise Invalid("Use at most 200 characters.", field="note")
    try:
        rule = await FilterRule.create(kind=kind, pattern=value, action=action, note=note_text, created_by=admin)
    except IntegrityError:
        raise Conflict("This rule exists already.", field="pattern") from None
    await modlog.record(
        LogAction.FILTER_ADDED,
        actor_id=admin.id,
        subject_type="FilterRule",
        subject_id=rule.id,
        subject_label=f"{kind.value} {action.value}: {value}",
        reason=note_text,
    )
    return rule


async def remove_filter_rule(actor: User | None, rule_id: int) -> FilterRule:
    admin = require_role(actor, Role.ADMIN)
    rule = await FilterRule.filter(id=rule_id).first()
    if rule is None:
        raise NotFound("No such filter rule.", field="ruleId")
    await FilterRule.filter(id=rule.id).delete()
    await modlog.record(
        LogAction.FILTER_REMOVED,
        actor_id=admin.id,
        subject_type="FilterRule",
        subject_id=rule.id,
        subject_label=f"{rule.kind.value}: {rule.pattern}",
    )
    return rule


def filter_rules() -> QuerySet[FilterRule]:
    return FilterRule.all().order_by("kind", "pattern")


def match_rules(text: str, rule_rows: list[FilterRule]) -> str | None:
    """Why `text` must be held (the first rule that holds it), or None."""
    found = watched.screen({"text": text}, _rules(rule_rows))
    return found.held[0] if found.held else None


def _rules(rows: list[FilterRule]) -> list[watched.Rule]:
    return [watched.Rule(r.kind.value, r.pattern, WatchAction(r.action).value) for r in rows]


async def approved_count(author_id: int) -> int:
    return await ReviewItem.filter(subject_author_id=author_id, held=True, resolution=APPROVED).count()


async def first_posts_reason(author: User, settings: Settings) -> str | None:
    """The reason to hold a new member's content while their first posts are reviewed."""
    first_posts = settings.moderation_premoderate_first_posts
    if first_posts and not is_staff(author) and await approved_count(author.id) < first_posts:
        return f"New members' first {first_posts} posts are reviewed."
    return None


async def may_post(question: MayPost, settings: Settings) -> None:
    """Decides `MayPost`: the member accepted the current rules and is admitted (to the space)."""
    await rules.require_current_acceptance(question.author, settings=settings)
    await admission.require_admitted(question.author, question.space_id, settings=settings)


async def screen_text(question: ScreenText, settings: Settings) -> Screened:
    """Decides `ScreenText`: watched words (refusing blocked ones with a field error) and, for
    content that can wait, the review of new members' first posts. Staff are only censored."""
    submission = question.submission
    found = watched.screen(dict(submission.texts), _rules(list(await FilterRule.all())))
    if is_staff(submission.author):
        return Screened(censored=found.censored)
    if found.blocked:
        collect(
            [Invalid(f"Remove “{pattern}”: it is not allowed here.", field=name) for name, pattern in found.blocked]
        )
    held = list(found.held)
    if (
        submission.holdable
        and not submission.editing
        and (reason := await first_posts_reason(submission.author, settings))
    ):
        held.append(reason)
    return Screened(held=tuple(held), flags=tuple(found.flagged), censored=found.censored)


async def queue_held(event: ContentHeld, settings: Settings) -> None:
    """Put held content in the review queue with why the gate held it."""
    item = await open_item(event.content_type, event.content_id, event.author_id, why="is held for review")
    await ReviewItem.filter(id=item.id).update(held=True, hold_reason=(event.reason or "Held for review.")[:200])


async def queue_flagged(event: ContentFlagged, settings: Settings) -> None:
    """Put flagged content (published) in the review queue with why it was flagged."""
    item = await open_item(event.content_type, event.content_id, event.author_id, why="was flagged by a watched word")
    await ReviewItem.filter(id=item.id).update(hold_reason=" ".join(event.reasons)[:200])


async def _held_item(item_id: int) -> ReviewItem:
    item = await ReviewItem.filter(id=item_id).first()
    if item is None:
        raise NotFound("No such review item.", field="itemId")
    if item.status != CaseStatus.OPEN or not item.held:
        raise Conflict("This item is not waiting for approval.", field="itemId")
    if content.get(item.subject_type) is None:
        raise Conflict("This content type can no longer be moderated.", field="itemId")
    return item


async def approve_held(actor: User | None, item_id: int) -> ReviewItem:
    """Publish held content (the owning domain's `publish`)."""
    from api.transactions import transaction

    moderator = require_role(actor, Role.MODERATOR)
    item = await _held_item(item_id)
    registered = content.get(item.subject_type)
    if registered is None or registered.publish is None:
        raise Conflict("This content type cannot be held.", field="itemId")
    async with transaction():
        if not await close_item(item, moderator, action=None, resolution=APPROVED, reason=""):
            raise Conflict("This item has already been decided.", field="itemId")
        await registered.publish(item.subject_id, moderator.id)
        await modlog.record(
            LogAction.CONTENT_APPROVED,
            actor_id=moderator.id,
            subject_type=item.subject_type,
            subject_id=item.subject_id,
            subject_label=await _label(item),
        )
    if item.subject_author_id:
        await notify(
            item.subject_author_id,
            "moderation.content_approved",
            actor_id=moderator.id,
            subject_type=item.subject_type,
            subject_id=item.subject_id,
            message="Your post was approved and is now published.",
        )
    await _tell_reporters(item, moderator, "the content was reviewed and published")
    return item


async def reject_held(actor: User | None, item_id: int, reason: str, *, settings: Settings) -> ReviewItem:
    """Refuse held content (the owning domain's `delete`); the author is told why."""
    from api.transactions import transaction

    moderator = require_role(actor, Role.MODERATOR)
    reason = note(reason, "reason", required=True, settings=settings)
    item = await _held_item(item_id)
    registered = content.get(item.subject_type)
    if registered is None:
        raise Conflict("This content type cannot be held.", field="itemId")
    async with transaction():
        if not await close_item(item, moderator, action=None, resolution=REJECTED, reason=reason):
            raise Conflict("This item has already been decided.", field="itemId")
        await registered.delete(item.subject_id, moderator.id)
        await modlog.record(
            LogAction.CONTENT_REJECTED,
            actor_id=moderator.id,
            subject_type=item.subject_type,
            subject_id=item.subject_id,
            subject_label=await _label(item),
            reason=reason,
        )
    if item.subject_author_id:
        await notify(
            item.subject_author_id,
            "moderation.content_rejected",
            actor_id=moderator.id,
            subject_type=item.subject_type,
            subject_id=item.subject_id,
            message=f"Your post was not published: {reason}",
        )
    await _tell_reporters(item, moderator, "the content was removed")
    return item


async def _tell_reporters(item: ReviewItem, moderator: User, outcome: str) -> None:
    """Content reported before it was held (e.g. held again after an edit): close the loop."""
    reporters = await column(Report.filter(item_id=item.id), "reporter_id")
    await notify_many(
        set(reporters),
        "moderation.report_resolved",
        actor_id=moderator.id,
        subject_type=item.subject_type,
        subject_id=item.subject_id,
        message=f"Thank you for your report: {outcome}.",
    )


async def _label(item: ReviewItem) -> str:
    ref = (await load_subjects([(item.subject_type, item.subject_id)])).get((item.subject_type, item.subject_id))
    return ref.title if ref else ""
