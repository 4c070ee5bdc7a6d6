"""Line diffs of two texts (difflib), as numbered lines and as a unified diff.

Pure and CPU-bound: callers run `compare` in a worker process (`api.offload`, kind "diff")
with a time budget, because difflib's cost grows with the product of the lengths for some
inputs (many repeated lines), and it holds the GIL the whole time.
"""

from __future__ import annotations

import difflib
from enum import Enum
from typing import Literal, NamedTuple


class LineChange(str, Enum):
    SAME = "SAME"
    ADDED = "ADDED"
    REMOVED = "REMOVED"


class DiffLine(NamedTuple):  # a tuple: thousands cross from the worker process cheaply
    change: LineChange
    text: str
    old_number: int | None  # line number in the older text
    new_number: int | None  # line number in the newer text


Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


def _opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    # autojunk: lines repeated in more than 1% of a long text (blank lines, code fences) do not
    # anchor matches, only extend them; without it an 8,000-line article took 15 s, with it 0.7 s.
    return difflib.SequenceMatcher(a=a, b=b, autojunk=True).get_opcodes()


def diff_lines(old: str, new: str) -> list[DiffLine]:
    return _lines(old.splitlines(), new.splitlines(), _opcodes(old.splitlines(), new.splitlines()))


def _lines(a: list[str], b: list[str], opcodes: list[Opcode]) -> list[DiffLine]:
    out: list[DiffLine] = []
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            out.extend(DiffLine(LineChange.SAME, a[i], i + 1, j1 + (i - i1) + 1) for i in range(i1, i2))
            continue
        out.extend(DiffLine(LineChange.REMOVED, a[i], i + 1, None) for i in range(i1, i2))
        out.extend(DiffLine(LineChange.ADDED, b[j], None, j + 1) for j in range(j1, j2))
    return out


def _range(start: int, stop: int) -> str:
    # As difflib.unified_diff writes hunk ranges.
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if not length else start + 1},{length}"


def _unified(a: list[str], b: list[str], opcodes: list[Opcode], fromfile: str, tofile: str, context: int = 3) -> str:
    """The unified diff of the same opcodes (difflib.unified_diff would match the texts again)."""
    matcher: difflib.SequenceMatcher[str] = difflib.SequenceMatcher(a=[], b=[])
    # Reuse the computed matching: grouping only reads this private cache of `get_opcodes`.
    matcher.opcodes = opcodes  # type: ignore[attr-defined]  # difflib's private cache
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        if not out:
            out += [f"--- {fromfile}", f"+++ {tofile}"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[i1:i2])
                continue
            out.extend("-" + line for line in a[i1:i2])
            out.extend("+" + line for line in b[j1:j2])
    return "\n".join(out)


class Comparison(NamedTuple):
    lines: list[DiffLine]  # the first `max_lines` lines
    added: int  # counts over all lines
    removed: int
    unified: str


def compare(
    old: str, new: str, fromfile: str = "old", tofile: str = "new", *, max_lines: int | None = None
) -> Comparison:
    """Numbered lines and the unified diff of `old` → `new`, from one matching. Only what the
    caller keeps crosses back from the worker process: unpickling costs the app's GIL."""
    a, b = old.splitlines(), new.splitlines()
    opcodes = _opcodes(a, b)
    added = sum(j2 - j1 for tag, _, _, j1, j2 in opcodes if tag != "equal")
    removed = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag != "equal")
    lines = _lines(a, b, opcodes)
    return Comparison(
        lines if max_lines is None else lines[:max_lines], added, removed, _unified(a, b, opcodes, fromfile, tofile)
    )
