"""Segments (用户画像): staff save criteria over members and read who matches, with counts.

Every criterion set must hold (AND); a list criterion matches any of its values (OR). The
criteria become one filtered query over members (subqueries, no per-member work), so a page of
`segmentMembers` costs the same whatever the segment's size, and its count is one COUNT.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from api.db import column, fetch_all
from api.domain.moderation.questions import SegmentMemberIds, SegmentsContaining
from api.errors import Conflict, DomainError, Invalid, NotFound, collect
from api.models.accounts import Role, User, UserStatus
from api.models.forum import SubscriptionLevel, TopicSubscription
from api.models.growth import MemberTier, Segment
from api.policies import require_role
from api.settings import Settings
from api.text import block, line
from api.timeutil import local_day, now

MAX_VALUES = 50


@dataclass(frozen=True)
class Criteria:
    interest_tags: list[str] = field(default_factory=list)  # any of
    tier_ids: list[int] = field(default_factory=list)  # any of
    min_trust_level: int | None = None
    max_trust_level: int | None = None
    stages: list[str] = field(default_factory=list)  # lifecycle stages, any of
    joined_after: date | None = None  # community day, inclusive
    joined_before: date | None = None  # community day, inclusive
    active_within_days: int | None = None  # active on one of the last N community days
    space_ids: list[int] = field(default_factory=list)  # watches topics in any of these spaces
    min_events_attended: int | None = None

    def to_json(self) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(json.dumps(asdict(self), default=str)))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Criteria:
        values = dict(data or {})
        for key in ("joined_after", "joined_before"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def check(criteria: Criteria) -> Criteria:
    errors: list[DomainError] = []
    for name in ("interest_tags", "tier_ids", "stages", "space_ids"):
        if len(getattr(criteria, name)) > MAX_VALUES:
            errors.append(Invalid(f"Give at most {MAX_VALUES} values.", field=_camel(name)))
    for stage in criteria.stages:
        if stage not in UserStatus.__members__:
            errors.append(Invalid(f"No such stage: {stage}.", field="stages"))
    for name in ("min_trust_level", "max_trust_level"):
        value = getattr(criteria, name)
        if value is not None and not 0 <= value <= 4:
            errors.append(Invalid("Trust levels go from 0 to 4.", field=_camel(name)))
    for name in ("active_within_days", "min_events_attended"):
        value = getattr(criteria, name)
        if value is not None and not 1 <= value <= 3650:
            errors.append(Invalid("Use 1 to 3650.", field=_camel(name)))
    collect(errors)
    tags = [t.strip().casefold() for t in criteria.interest_tags if t and t.strip()]
    return Criteria(**{**asdict(criteria), "interest_tags": tags})


async def members_query(criteria: Criteria, settings: Settings) -> QuerySet[User]:
    """Members matching every set criterion, newest first."""
    tz = settings.community_timezone
    query = User.all()
    if criteria.interest_tags:
        # Interest tags are a JSON list: match the quoted tag in its text (portable SQL), then
        # confirm in Python on the matched rows only.
        # Both spellings of a non-ASCII tag: stored JSON may escape it (\\uXXXX) or not.
        patterns = sorted(
            {f"%{json.dumps(t, ensure_ascii=ascii)}%" for t in criteria.interest_tags for ascii in (False, True)}
        )
        clauses = " OR ".join("LOWER(CAST(interest_tags AS TEXT)) LIKE ?" for _ in patterns)
        rows = await fetch_all(f"SELECT id, interest_tags FROM users WHERE {clauses}", patterns)
        wanted = set(criteria.interest_tags)
        ids = [r["id"] for r in rows if wanted & {str(t).casefold() for t in _as_list(r["interest_tags"])}]
        query = query.filter(id__in=ids)
    if criteria.tier_ids:
        query = query.filter(id__in=Subquery(MemberTier.filter(tier_id__in=criteria.tier_ids).values("user_id")))
    if criteria.min_trust_level is not None:
        query = query.filter(trust_level__gte=criteria.min_trust_level)
    if criteria.max_trust_level is not None:
        query = query.filter(trust_level__lte=criteria.max_trust_level)
    if criteria.stages:
        query = query.filter(status__in=criteria.stages)
    if criteria.joined_after is not None:
        query = query.filter(created_at__gte=_midnight(criteria.joined_after, tz))
    if criteria.joined_before is not None:
        query = query.filter(created_at__lt=_midnight(criteria.joined_before + timedelta(days=1), tz))
    if criteria.active_within_days is not None:
        since = local_day(now(), tz) - timedelta(days=criteria.active_within_days - 1)
        query = query.filter(last_active_day__gte=since)
    if criteria.space_ids:
        watching = TopicSubscription.filter(level=SubscriptionLevel.WATCH, topic__space_id__in=criteria.space_ids)
        query = query.filter(id__in=Subquery(watching.values("user_id")))
    if criteria.min_events_attended is not None:
        rows = await fetch_all(
            "SELECT user_id FROM engagement_rsvps WHERE checked_in_at IS NOT NULL GROUP BY user_id "
            "HAVING COUNT(*) >= ?",
            [criteria.min_events_attended],
        )
        query = query.filter(id__in=[r["user_id"] for r in rows])
    return query.order_by("-created_at", "-id")


def _midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def _as_list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return []
    return parsed if isinstance(parsed, list) else []


async def save_segment(
    actor: User | None, segment_id: int | None, name: str, description: str, criteria: Criteria, *, settings: Settings
) -> Segment:
    """Create (no id) or replace a saved segment (staff)."""
    staff = require_role(actor, Role.MODERATOR)
    name = line(name, "name", 100)
    description = block(description, "description", 2000, required=False)
    criteria = check(criteria)
    clash = Segment.filter(name=name)
    if segment_id is not None:
        clash = clash.exclude(id=segment_id)
    if await clash.exists():
        raise Conflict("Another segment has this name.", field="name")
    if segment_id is None:
        try:
            return await Segment.create(
                name=name, description=description, criteria=criteria.to_json(), created_by=staff
            )
        except IntegrityError:
            raise Conflict("Another segment has this name.", field="name") from None
    if not await Segment.filter(id=segment_id).update(name=name, description=description, criteria=criteria.to_json()):
        raise NotFound("No such segment.", field="segmentId")
    return await Segment.get(id=segment_id)


async def delete_segment(actor: User | None, segment_id: int) -> bool:
    require_role(actor, Role.MODERATOR)
    if not await Segment.filter(id=segment_id).delete():
        raise NotFound("No such segment.", field="segmentId")
    return True


async def segment_members(actor: User | None, segment_id: int, *, settings: Settings) -> QuerySet[User]:
    """Who is in a saved segment now (staff)."""
    require_role(actor, Role.MODERATOR)
    segment = await Segment.filter(id=segment_id).first()
    if segment is None:
        raise NotFound("No such segment.", field="segmentId")
    return await members_query(Criteria.from_json(segment.criteria), settings)


async def member_ids(question: SegmentMemberIds, settings: Settings) -> list[int] | None:
    """Decider of `SegmentMemberIds` (announcements and surveys addressed to a segment)."""
    segment = await Segment.filter(id=question.segment_id).first()
    if segment is None:
        return None
    ids: list[int] = await column(await members_query(Criteria.from_json(segment.criteria), settings), "id")
    return ids


async def segments_containing(question: SegmentsContaining, settings: Settings) -> list[int]:
    """Decider of `SegmentsContaining`: one EXISTS per segment asked about (staff save few)."""
    found: list[int] = []
    for segment in await Segment.filter(id__in=sorted(set(question.segment_ids))).order_by("id"):
        query = await members_query(Criteria.from_json(segment.criteria), settings)
        if await query.filter(id=question.user_id).exists():
            found.append(segment.id)
    return found
