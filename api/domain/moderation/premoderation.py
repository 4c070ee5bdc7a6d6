"""Pre-moderation. Before member content is published, the owning domain asks
`decide(ReviewContent(...))`; the decider here refuses members who must first accept
the rules or be admitted, and answers "hold" for content matching an admin's filter rule or
written by a member whose first posts are still reviewed. Held content is queued on its
`ContentHeld` event; approving calls the content type's `publish`, rejecting its `delete`."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from api.domain import content
from api.domain.content.events import ContentHeld, ReviewContent
from api.domain.moderation import admission, modlog, rules
from api.domain.moderation._text import note
from api.domain.moderation.reports import close_item, load_subjects, open_item
from api.domain.notifications import notify, notify_many
from api.errors import Conflict, Invalid, NotFound
from api.models.accounts import Role, User
from api.models.moderation import CaseStatus, FilterKind, FilterRule, LogAction, Report, ReviewItem
from api.policies import is_staff, require_role
from api.settings import Settings

APPROVED = "APPROVED"
REJECTED = "REJECTED"
ANY_LINK = "*"

_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
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


async def add_filter_rule(actor: User | None, kind: FilterKind, pattern: str, note_text: str = "", *, settings: Settings) -> FilterRule:
    admin = require_role(actor, Role.ADMIN)
    value = _normalise_pattern(kind, pattern)
    note_text = note(note_text, "note", settings=settings)
    if len(note_text) > 200:  # stored in a 200-character column
        raise Invalid("Use at most 200 characters.", field="note")
    try:
        rule = await FilterRule.create(kind=kind, pattern=value, note=note_text, created_by=admin)
    except IntegrityError:
        raise Conflict("This rule exists already.", field="pattern") from None
    await modlog.record(LogAction.FILTER_ADDED, actor_id=admin.id, subject_type="FilterRule",
                        subject_id=rule.id, subject_label=f"{kind.value}: {value}", reason=note_text)
    return rule


async def remove_filter_rule(actor: User | None, rule_id: int) -> FilterRule:
    admin = require_role(actor, Role.ADMIN)
    rule = await FilterRule.filter(id=rule_id).first()
    if rule is None:
        raise NotFound("No such filter rule.", field="ruleId")
    await FilterRule.filter(id=rule.id).delete()
    await modlog.record(LogAction.FILTER_REMOVED, actor_id=admin.id, subject_type="FilterRule",
                        subject_id=rule.id, subject_label=f"{rule.kind.value}: {rule.pattern}")
    return rule


def filter_rules() -> QuerySet[FilterRule]:
    return FilterRule.all().order_by("kind", "pattern")


def _link_domains(text: str) -> list[str]:
    domains = []
    for match in _URL_RE.findall(text):
        url = match if "://" in match else "http://" + match
        host = (urlparse(url).hostname or "").lower().removeprefix("www.")
        if host:
            domains.append(host)
    return domains


def match_rules(text: str, rule_rows: list[FilterRule]) -> str | None:
    """Why `text` must be held (the first matching rule), or None."""
    lowered = text.lower()
    domains: list[str] | None = None
    for rule in rule_rows:
        if rule.kind == FilterKind.WORD:
            words = r"\s+".join(re.escape(w) for w in rule.pattern.split())
            if re.search(rf"(?<!\w){words}(?!\w)", lowered):
                return f"Contains the blocked term “{rule.pattern}”."
        else:
            domains = _link_domains(text) if domains is None else domains
            if rule.pattern == ANY_LINK and domains:
                return "Contains a link."
            if any(d == rule.pattern or d.endswith("." + rule.pattern) for d in domains):
                return f"Links to {rule.pattern}."
    return None


async def approved_count(author_id: int) -> int:
    return await ReviewItem.filter(subject_author_id=author_id, held=True, resolution=APPROVED).count()


async def hold_reason(author: User, text: str, *, settings: Settings) -> str | None:
    """Why this member's text must wait for a moderator, or None to publish it."""
    if is_staff(author):
        return None
    reason = match_rules(text, list(await FilterRule.all()))
    if reason:
        return reason
    first_posts = settings.moderation_premoderate_first_posts
    if first_posts and await approved_count(author.id) < first_posts:
        return f"New members' first {first_posts} posts are reviewed."
    return None


async def review(question: ReviewContent, settings: Settings) -> str:
    """"publish" or "hold"; raises when the author may not post at all yet."""
    author = question.author
    if author is None:
        return "publish"
    await rules.require_current_acceptance(author, settings=settings)
    await admission.require_admitted(author, question.space_id, settings=settings)
    return "hold" if await hold_reason(author, question.text, settings=settings) else "publish"


async def queue_held(event: ContentHeld, settings: Settings) -> None:
    """Put held content in the review queue, with the precise reason it was held (the event
    carries the owner's generic one)."""
    content_type, content_id, author_id, reason = (
        event.content_type, event.content_id, event.author_id, event.reason)
    if author_id is not None:
        refs = await load_subjects([(content_type, content_id)])
        author = await User.filter(id=author_id).first()
        ref = refs.get((content_type, content_id))
        if ref is not None and author is not None:
            reason = await hold_reason(author, f"{ref.title}\n{ref.text}", settings=settings) or reason
    item = await open_item(content_type, content_id, author_id, why="is held for review")
    await ReviewItem.filter(id=item.id).update(held=True, hold_reason=(reason or "Held for review.")[:200])


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
    if registered.publish is None:  # type: ignore[union-attr]
        raise Conflict("This content type cannot be held.", field="itemId")
    async with transaction():
        if not await close_item(item, moderator, action=None, resolution=APPROVED, reason=""):
            raise Conflict("This item has already been decided.", field="itemId")
        await registered.publish(item.subject_id, moderator.id)  # type: ignore[union-attr]
        await modlog.record(LogAction.CONTENT_APPROVED, actor_id=moderator.id, subject_type=item.subject_type,
                            subject_id=item.subject_id, subject_label=await _label(item))
    if item.subject_author_id:
        await notify(item.subject_author_id, "moderation.content_approved", actor_id=moderator.id,
                     subject_type=item.subject_type, subject_id=item.subject_id,
                     message="Your post was approved and is now published.")
    await _tell_reporters(item, moderator, "the content was reviewed and published")
    return item


async def reject_held(actor: User | None, item_id: int, reason: str, *, settings: Settings) -> ReviewItem:
    """Refuse held content (the owning domain's `delete`); the author is told why."""
    from api.transactions import transaction

    moderator = require_role(actor, Role.MODERATOR)
    reason = note(reason, "reason", required=True, settings=settings)
    item = await _held_item(item_id)
    registered = content.get(item.subject_type)
    async with transaction():
        if not await close_item(item, moderator, action=None, resolution=REJECTED, reason=reason):
            raise Conflict("This item has already been decided.", field="itemId")
        await registered.delete(item.subject_id, moderator.id)  # type: ignore[union-attr]
        await modlog.record(LogAction.CONTENT_REJECTED, actor_id=moderator.id, subject_type=item.subject_type,
                            subject_id=item.subject_id, subject_label=await _label(item), reason=reason)
    if item.subject_author_id:
        await notify(item.subject_author_id, "moderation.content_rejected", actor_id=moderator.id,
                     subject_type=item.subject_type, subject_id=item.subject_id,
                     message=f"Your post was not published: {reason}")
    await _tell_reporters(item, moderator, "the content was removed")
    return item


async def _tell_reporters(item: ReviewItem, moderator: User, outcome: str) -> None:
    """Content reported before it was held (e.g. held again after an edit): close the loop."""
    reporters = await Report.filter(item_id=item.id).values_list("reporter_id", flat=True)
    await notify_many(set(reporters), "moderation.report_resolved", actor_id=moderator.id,
                      subject_type=item.subject_type, subject_id=item.subject_id,
                      message=f"Thank you for your report: {outcome}.")


async def _label(item: ReviewItem) -> str:
    ref = (await load_subjects([(item.subject_type, item.subject_id)])).get((item.subject_type, item.subject_id))
    return ref.title if ref else ""
