"""Differences between two revisions of an article, line by line.

The diff itself (`api.textdiff`) runs in a worker process with a size and a time budget
(KB_DIFF_MAX_LINES, KB_DIFF_TIMEOUT_SECONDS): past either, `DiffTooLarge`.
"""

from __future__ import annotations

from dataclasses import dataclass

from api import offload
from api.domain.kb import access
from api.errors import DomainError, ErrorCode, Invalid, NotFound
from api.models.accounts import User
from api.models.kb import ArticleRevision
from api.settings import Settings, get_settings
from api.textdiff import DiffLine, LineChange, diff_lines
from api.textdiff import compare as compare_texts

__all__ = ["DiffLine", "DiffTooLarge", "LineChange", "RevisionDiff", "diff_lines", "diff_revisions"]

MAX_DIFF_LINES = 5000  # lines returned in `lines` (the counts and the unified diff are complete)


class DiffTooLarge(DomainError):
    """The revisions are too long, or too costly to compare, for one diff."""

    code = ErrorCode.TOO_LARGE

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message, field="toRevisionId")
        # graphql-core copies an exception's `extensions` onto the GraphQL error it reports.
        self.extensions = {"code": "DIFF_TOO_LARGE", **details}


@dataclass(frozen=True)
class RevisionDiff:
    old: ArticleRevision
    new: ArticleRevision
    title_changed: bool
    summary_changed: bool
    tags_added: list[str]
    tags_removed: list[str]
    lines: list[DiffLine]
    added: int
    removed: int
    unified: str


async def compare(old: ArticleRevision, new: ArticleRevision, settings: Settings) -> RevisionDiff:
    total = old.body.count("\n") + new.body.count("\n") + 2
    if total > settings.kb_diff_max_lines:
        raise DiffTooLarge(
            f"These revisions have {total:,} lines together; a diff compares at most {settings.kb_diff_max_lines:,}.",
            lines=total,
            limit=settings.kb_diff_max_lines,
        )
    try:
        result = await offload.run(
            "diff",
            compare_texts,
            old.body,
            new.body,
            f"revision {old.number}",
            f"revision {new.number}",
            max_lines=MAX_DIFF_LINES,
            timeout=settings.kb_diff_timeout_seconds,
        )
    except offload.OverBudget:
        raise DiffTooLarge(
            f"Comparing these revisions takes longer than {settings.kb_diff_timeout_seconds:g} s; "
            "compare revisions closer to each other.",
            seconds=settings.kb_diff_timeout_seconds,
        ) from None
    return RevisionDiff(
        old=old,
        new=new,
        title_changed=old.title != new.title,
        summary_changed=old.summary != new.summary,
        tags_added=[t for t in new.tags if t not in old.tags],
        tags_removed=[t for t in old.tags if t not in new.tags],
        lines=result.lines,
        added=result.added,
        removed=result.removed,
        unified=result.unified,
    )


async def diff_revisions(
    viewer: User | None, old_id: int, new_id: int, settings: Settings | None = None
) -> RevisionDiff:
    """Compare two revisions of one article the viewer may read (order given by the caller)."""
    revisions = {r.id: r for r in await ArticleRevision.filter(id__in=[old_id, new_id])}
    old, new = revisions.get(old_id), revisions.get(new_id)
    if old is None:
        raise NotFound("No such revision.", field="fromRevisionId")
    if new is None:
        raise NotFound("No such revision.", field="toRevisionId")
    if old.article_id != new.article_id:
        raise Invalid("Both revisions must belong to the same article.", field="toRevisionId")
    await access.readable_article(viewer, old.article_id, field="fromRevisionId")
    return await compare(old, new, settings or get_settings())
