"""Reports and the review queue. Reports on one subject gather on its open `ReviewItem`;
moderators resolve the item with one action, which closes all its reports and tells the
reporters the outcome. Content is reached through the registry of `api.domain.content`;
members (`User`) are handled here."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Subquery
from tortoise.queryset import QuerySet

from api.db import column
from api.domain import content
from api.domain.content import ContentRef
from api.domain.content.events import ContentHidden, ContentRemoved, ContentRestored
from api.domain.moderation import modlog, sanctions
from api.domain.moderation._text import note
from api.domain.notifications import notify_many
from api.errors import Conflict, Invalid, NotFound
from api.events import emit
from api.models.accounts import Role, SanctionKind, User
from api.models.moderation import (
    CaseStatus,
    LogAction,
    ModerationAction,
    Report,
    ReportReason,
    ReviewItem,
)
from api.policies import is_staff, require_role
from api.settings import Settings
from api.timeutil import now
from api.transactions import transaction

MEMBER_TYPE = "User"

_OUTCOME_TEXT = {
    ModerationAction.DISMISS: "no rule was broken",
    ModerationAction.HIDE_CONTENT: "the content was hidden",
    ModerationAction.DELETE_CONTENT: "the content was removed",
    ModerationAction.WARN: "the member was warned",
    ModerationAction.MUTE: "the member was muted",
    ModerationAction.BAN: "the member was banned",
}
_LOG_ACTION = {
    ModerationAction.DISMISS: LogAction.REPORT_DISMISSED,
    ModerationAction.HIDE_CONTENT: LogAction.CONTENT_HIDDEN,
    ModerationAction.DELETE_CONTENT: LogAction.CONTENT_DELETED,
}
_SANCTION = {
    ModerationAction.WARN: SanctionKind.WARNING,
    ModerationAction.MUTE: SanctionKind.MUTE,
    ModerationAction.BAN: SanctionKind.BAN,
}


class QueueOrder(str, Enum):
    NEWEST = "NEWEST"  # most recently reported or held first
    MOST_REPORTED = "MOST_REPORTED"


class QueueFilter(str, Enum):
    ALL = "ALL"
    REPORTED = "REPORTED"
    HELD = "HELD"


def reportable_types() -> list[str]:
    return [*content.content_types().keys(), MEMBER_TYPE]


async def load_subjects(keys: list[tuple[str, int]]) -> dict[tuple[str, int], ContentRef]:
    """ContentRefs of (type, id) subjects, one batch per type; missing ones are left out."""
    by_type: dict[str, list[int]] = {}
    for subject_type, subject_id in keys:
        by_type.setdefault(subject_type, []).append(subject_id)
    found: dict[tuple[str, int], ContentRef] = {}
    for subject_type, ids in by_type.items():
        if subject_type == MEMBER_TYPE:
            for user in await User.filter(id__in=ids):
                found[(MEMBER_TYPE, user.id)] = ContentRef(
                    content_type=MEMBER_TYPE,
                    id=user.id,
                    author_id=user.id,
                    title=user.username,
                    text=user.bio,
                )
            continue
        registered = content.get(subject_type)
        if registered is None:
            continue
        for subject_id, ref in (await registered.load(ids)).items():
            found[(subject_type, subject_id)] = ref
    return found


async def load_subject(subject_type: str, subject_id: int, field: str = "subjectId") -> ContentRef:
    ref = (await load_subjects([(subject_type, subject_id)])).get((subject_type, subject_id))
    if ref is None or ref.deleted:
        raise NotFound("Nothing to report here.", field=field)
    return ref


async def open_item(
    subject_type: str, subject_id: int, author_id: int | None, *, why: str = "was reported", actor_id: int | None = None
) -> ReviewItem:
    """The subject's open review item, created if needed (the unique key on open items makes
    concurrent creations collapse into one). Staff hear of each new item once."""
    item = await ReviewItem.filter(subject_type=subject_type, subject_id=subject_id, open=1).first()
    if item is not None:
        return item
    try:
        item = await ReviewItem.create(subject_type=subject_type, subject_id=subject_id, subject_author_id=author_id)
    except IntegrityError:
        item = await ReviewItem.filter(subject_type=subject_type, subject_id=subject_id, open=1).first()
        if item is None:
            raise
        return item
    staff = await column(User.filter(role__in=[Role.MODERATOR, Role.ADMIN]), "id")
    await notify_many(
        set(staff),
        "moderation.review_needed",
        actor_id=actor_id,
        subject_type="ReviewItem",
        subject_id=item.id,
        message=f"A {subject_type.lower()} {why}: the review queue has a new item.",
    )
    return item


async def report(
    actor: User, subject_type: str, subject_id: int, reason: ReportReason, text: str = "", *, settings: Settings
) -> Report:
    """Report content or a member. One open report per reporter per subject."""
    text = note(text, "note", required=reason is ReportReason.OTHER, label="what is wrong", settings=settings)
    if subject_type not in reportable_types():
        raise Invalid("This cannot be reported.", field="subjectId")
    ref = await load_subject(subject_type, subject_id)
    content_type = content.get(subject_type)
    if (
        content_type is not None
        and content_type.can_see is not None
        and not await content_type.can_see(actor, subject_id)
    ):
        raise NotFound("Nothing to report here.", field="subjectId")  # as if it did not exist
    if subject_type == MEMBER_TYPE and subject_id == actor.id:
        raise Invalid("You cannot report yourself.", field="subjectId")
    if ref.held and ref.author_id != actor.id:
        raise NotFound("Nothing to report here.", field="subjectId")
    if await Report.filter(reporter_id=actor.id, subject_type=subject_type, subject_id=subject_id, open=1).exists():
        raise Conflict("You have already reported this; a moderator will look at it.", field="subjectId")
    item = await open_item(subject_type, subject_id, ref.author_id, actor_id=actor.id)
    moment = now()
    try:
        async with transaction():
            created = await Report.create(
                item=item, reporter=actor, subject_type=subject_type, subject_id=subject_id, reason=reason, note=text
            )
            await ReviewItem.filter(id=item.id).update(
                report_count=F("report_count") + 1, last_reported_at=moment, updated_at=moment
            )
    except IntegrityError:  # a double submit raced past the check above
        raise Conflict("You have already reported this; a moderator will look at it.", field="subjectId") from None
    if subject_type != MEMBER_TYPE and not ref.hidden:
        await hide_when_flagged_enough(item, settings=settings)
    return created


def flag_weight(reporter: User, settings: Settings) -> int:
    """How much one report counts toward hiding content at once: by the reporter's trust level
    (FLAG_WEIGHTS); staff reports reach the threshold alone."""
    if is_staff(reporter):
        return max(settings.flag_hide_threshold, 1)
    return dict(settings.flag_weights).get(str(getattr(reporter, "trust_level", 0) or 0), 1)


async def hide_when_flagged_enough(item: ReviewItem, *, settings: Settings) -> bool:
    """Flags that act: once the weights of an item's open reports reach FLAG_HIDE_THRESHOLD, the
    content is hidden at once, pending a moderator's review (the item stays open). True if hidden."""
    if settings.flag_hide_threshold <= 0:
        return False
    reporters = await User.filter(id__in=Subquery(Report.filter(item_id=item.id, open=1).values("reporter_id")))
    if sum(flag_weight(r, settings) for r in reporters) < settings.flag_hide_threshold:
        return False
    registered = content.get(item.subject_type)
    ref = (await registered.load([item.subject_id])).get(item.subject_id) if registered else None
    if registered is None or ref is None or ref.hidden or ref.deleted:
        return False
    await registered.hide(item.subject_id, None)
    await modlog.record(
        LogAction.CONTENT_HIDDEN,
        actor_id=None,
        subject_type=item.subject_type,
        subject_id=item.subject_id,
        subject_label=ref.title,
        reason="Hidden pending review: reported by members whose trust reached the threshold.",
    )
    await emit(ContentHidden(content_type=item.subject_type, content_id=item.subject_id, author_id=ref.author_id))
    return True


def queue(order: QueueOrder = QueueOrder.NEWEST, kind: QueueFilter = QueueFilter.ALL) -> QuerySet[ReviewItem]:
    """Open review items, newest or most-reported first."""
    query = ReviewItem.filter(status=CaseStatus.OPEN)
    if kind is QueueFilter.REPORTED:
        query = query.filter(report_count__gt=0)
    elif kind is QueueFilter.HELD:
        query = query.filter(held=True)
    if order is QueueOrder.MOST_REPORTED:
        return query.order_by("-report_count", "-updated_at", "-id")
    return query.order_by("-updated_at", "-id")


async def close_item(
    item: ReviewItem, moderator: User, *, action: ModerationAction | None, resolution: str, reason: str
) -> bool:
    """Claim an open item as resolved (False if someone else resolved it first)."""
    moment = now()
    claimed = await ReviewItem.filter(id=item.id, status=CaseStatus.OPEN).update(
        status=CaseStatus.RESOLVED,
        open=None,
        action=action,
        resolution=resolution,
        resolved_by_id=moderator.id,
        resolved_at=moment,
        resolution_reason=reason,
        updated_at=moment,
    )
    if claimed:
        await Report.filter(item_id=item.id, open=1).update(open=None, outcome=action, resolved_at=moment)
        # The column is nullable; Tortoise types a CharEnumField as never null.
        item.status, item.open, item.action, item.resolution = CaseStatus.RESOLVED, None, action, resolution  # type: ignore[assignment]  # nullable column
        item.resolved_by_id, item.resolved_at, item.resolution_reason = moderator.id, moment, reason
    return bool(claimed)


async def resolve(
    actor: User | None,
    item_id: int,
    action: ModerationAction,
    *,
    reason: str = "",
    duration: timedelta | None = None,
    settings: Settings,
) -> ReviewItem:
    """Resolve a reported item with one action; the reporters are told the outcome."""
    moderator = require_role(actor, Role.MODERATOR)
    reason = note(reason, "reason", required=action is not ModerationAction.DISMISS, settings=settings)
    item = await ReviewItem.filter(id=item_id).first()
    if item is None:
        raise NotFound("No such review item.", field="itemId")
    if item.status != CaseStatus.OPEN:
        raise Conflict("This item has already been resolved.", field="itemId")
    if item.held:
        raise Conflict("This content is held for review: approve or reject it.", field="itemId")
    is_member = item.subject_type == MEMBER_TYPE
    if action in (ModerationAction.HIDE_CONTENT, ModerationAction.DELETE_CONTENT):
        if is_member:
            raise Invalid("Members are not content: warn, mute or ban them.", field="action")
        if content.get(item.subject_type) is None:
            raise Conflict("This content type can no longer be moderated.", field="itemId")
    registered = content.get(item.subject_type)
    refs = await load_subjects([(item.subject_type, item.subject_id)])
    ref = refs.get((item.subject_type, item.subject_id))
    label = ref.title if ref else ""
    target = item.subject_id if is_member else (ref.author_id if ref else item.subject_author_id)
    if action in _SANCTION and target is None:
        raise Invalid("The author of this content is gone.", field="action")
    async with transaction():
        if not await close_item(item, moderator, action=action, resolution="", reason=reason):
            raise Conflict("This item has already been resolved.", field="itemId")
        if action in _SANCTION:
            assert target is not None  # refused above
            await sanctions.sanction_member(
                moderator, target, _SANCTION[action], duration=duration, reason=reason, settings=settings
            )
        else:
            if action is ModerationAction.HIDE_CONTENT:
                assert registered is not None  # checked above for content actions
                await registered.hide(item.subject_id, moderator.id)
                await emit(ContentHidden(content_type=item.subject_type, content_id=item.subject_id, author_id=target))
            elif action is ModerationAction.DELETE_CONTENT:
                assert registered is not None  # checked above for content actions
                await registered.delete(item.subject_id, moderator.id)
                await emit(ContentRemoved(content_type=item.subject_type, content_id=item.subject_id, author_id=target))
            await modlog.record(
                _LOG_ACTION[action],
                actor_id=moderator.id,
                subject_type=item.subject_type,
                subject_id=item.subject_id,
                subject_label=label,
                reason=reason,
            )
    reporters = await column(Report.filter(item_id=item.id), "reporter_id")
    await notify_many(
        set(reporters),
        "moderation.report_resolved",
        actor_id=moderator.id,
        subject_type=item.subject_type,
        subject_id=item.subject_id,
        message=f"Thank you for your report: {_OUTCOME_TEXT[action]}.",
        data={"action": action.value},
    )
    return item


async def restore_content(
    actor: User | None, subject_type: str, subject_id: int, reason: str, *, settings: Settings
) -> ContentRef:
    """Undo HIDE_CONTENT: the content is shown again (the owning domain's `unhide`)."""
    moderator = require_role(actor, Role.MODERATOR)
    reason = note(reason, "reason", required=True, settings=settings)
    registered = content.get(subject_type)
    if registered is None:
        raise Invalid("Only content can be restored.", field="subjectId")
    ref = (await registered.load([subject_id])).get(subject_id)
    if ref is None or ref.deleted:
        raise NotFound("No such content.", field="subjectId")
    if not ref.hidden:
        raise Conflict("This content is not hidden.", field="subjectId")
    await registered.unhide(subject_id, moderator.id)
    await modlog.record(
        LogAction.CONTENT_RESTORED,
        actor_id=moderator.id,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=ref.title,
        reason=reason,
    )
    await emit(ContentRestored(content_type=subject_type, content_id=subject_id, author_id=ref.author_id))
    return (await registered.load([subject_id]))[subject_id]
