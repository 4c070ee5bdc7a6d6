"""What trust level 0 (new members) may not do yet, and the privileges levels unlock.

The content gate asks `WithinLimits` of every text a member (not staff) writes; the decider here
refuses, with the field at fault, a new member's text with too many links, images or mentions, a
topic, reply or message past the day's allowance (community days), and a private message to a
member who is not staff before `TRUST_LEVEL_TO_MESSAGE`. Members at level 1 and above have no
such limits. The privileges levels unlock are checked where they are used: inviting
(`TRUST_LEVEL_TO_INVITE`, moderation's invites), editing others' posts and articles
(`TRUST_LEVEL_TO_EDIT_OTHERS`, beside reputation: forum and knowledge-base access), and the weight
of a report (`FLAG_WEIGHTS`, moderation's reports).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from api.db import fetch_all
from api.domain.content.events import WithinLimits
from api.errors import ErrorCode, Forbidden, Invalid
from api.models.accounts import Role, User
from api.policies import is_staff
from api.settings import Settings
from api.timeutil import now

# Per-day allowances: (content type, setting, table, author column, wording).
_DAILY = {
    "Topic": ("new_member_topics_per_day", "forum_topics", "author_id", "topics"),
    "Post": ("new_member_posts_per_day", "forum_posts", "author_id", "replies"),
    "Message": ("new_member_messages_per_day", "engagement_messages", "sender_id", "messages"),
}


def level_of(user: User | None) -> int:
    return 0 if user is None else int(getattr(user, "trust_level", 0) or 0)


def _day_start(settings: Settings) -> datetime:
    zone = ZoneInfo(settings.community_timezone)
    local = now().astimezone(zone)
    return datetime.combine(local.date(), time.min, tzinfo=zone).astimezone(UTC)


async def within_limits(question: WithinLimits, settings: Settings) -> None:
    """Decides `WithinLimits` (see the module's docstring)."""
    submission = question.submission
    author = submission.author
    if is_staff(author):
        return
    body_field = "body" if "body" in submission.texts else next(iter(submission.texts), None)
    if (
        level_of(author) < settings.trust_level_to_message
        and submission.content_type == "Message"
        and submission.recipients
    ):
        staff = {
            row["id"]
            for row in await fetch_all(
                f"SELECT id FROM users WHERE id IN ({', '.join('?' for _ in submission.recipients)}) AND role IN (?, ?)",
                [*submission.recipients, Role.MODERATOR.value, Role.ADMIN.value],
            )
        }
        if set(submission.recipients) - staff:
            raise Forbidden(
                f"New members write privately to staff only, until trust level "
                f"{settings.trust_level_to_message}: take part in the community a little first.",
                field="userIds",
            )
    if level_of(author) > 0:
        return
    for count, limit, what in (
        (submission.links, settings.new_member_max_links, "links"),
        (submission.images, settings.new_member_max_images, "images"),
        (submission.mentions, settings.new_member_max_mentions, "mentions"),
    ):
        if count > limit:
            raise Invalid(f"New members may put at most {limit} {what} in one text.", field=body_field)
    daily = _DAILY.get(submission.content_type)
    if daily is None or submission.editing:
        return
    setting, table, column, wording = daily
    allowance = getattr(settings, setting)
    rows = await fetch_all(
        f"SELECT COUNT(*) AS n FROM {table} WHERE {column} = ? AND created_at >= ?", [author.id, _day_start(settings)]
    )
    if int(rows[0]["n"]) >= allowance:
        raise Forbidden(
            f"New members may write {allowance} {wording} a day; come back tomorrow.",
            field=body_field,
            code=ErrorCode.RATE_LIMITED,
        )
