"""Differences between two revisions of an article, line by line (difflib)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum

from api.domain.kb import access
from api.errors import Invalid, NotFound
from api.models.accounts import User
from api.models.kb import ArticleRevision

MAX_DIFF_LINES = 5000


class LineChange(str, Enum):
    SAME = "SAME"
    ADDED = "ADDED"
    REMOVED = "REMOVED"


@dataclass(frozen=True)
class DiffLine:
    change: LineChange
    text: str
    old_number: int | None  # line number in the older revision
    new_number: int | None  # line number in the newer revision


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


def diff_lines(old: str, new: str) -> list[DiffLine]:
    a, b = old.splitlines(), new.splitlines()
    out: list[DiffLine] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(DiffLine(LineChange.SAME, a[i], i + 1, j1 + (i - i1) + 1) for i in range(i1, i2))
            continue
        out.extend(DiffLine(LineChange.REMOVED, a[i], i + 1, None) for i in range(i1, i2))
        out.extend(DiffLine(LineChange.ADDED, b[j], None, j + 1) for j in range(j1, j2))
    return out


def compare(old: ArticleRevision, new: ArticleRevision) -> RevisionDiff:
    lines = diff_lines(old.body, new.body)
    unified = "\n".join(difflib.unified_diff(
        old.body.splitlines(), new.body.splitlines(),
        fromfile=f"revision {old.number}", tofile=f"revision {new.number}", lineterm="",
    ))
    return RevisionDiff(
        old=old, new=new, title_changed=old.title != new.title, summary_changed=old.summary != new.summary,
        tags_added=[t for t in new.tags if t not in old.tags], tags_removed=[t for t in old.tags if t not in new.tags],
        lines=lines[:MAX_DIFF_LINES],
        added=sum(1 for line in lines if line.change is LineChange.ADDED),
        removed=sum(1 for line in lines if line.change is LineChange.REMOVED),
        unified=unified,
    )


async def diff_revisions(viewer: User | None, old_id: int, new_id: int) -> RevisionDiff:
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
    return compare(old, new)
