"""Revision diffs have a size and a time budget; past either they are refused with
DIFF_TOO_LARGE, and the work past the time budget is stopped."""

from __future__ import annotations

import httpx
import pytest

from api import offload
from api.domain.kb.revisions import DiffTooLarge, diff_revisions
from api.textdiff import LineChange, compare
from schema.relay import node_global_id
from tests.platform.test_responsiveness import published_article_with_revisions

DIFF = """query($a: ID!, $b: ID!) { revisionDiff(fromRevisionId: $a, toRevisionId: $b) { added } }"""


def costly_pair() -> tuple[str, str]:
    """8,000 lines of 101 values in a cycle, against the same reversed: each value is rare
    enough to anchor matches (under 1%), and difflib tries them all (about 15 s)."""
    lines = [f"v{i % 101}" for i in range(8000)]
    return "\n".join(lines), "\n".join(reversed(lines))


async def test_a_diff_over_its_time_budget_is_stopped_and_refused(factory, app_settings):
    alice = await factory.user()
    first, second = await published_article_with_revisions(alice, *costly_pair())
    settings = app_settings.replace(kb_diff_timeout_seconds=0.5)
    with offload.watching() as watch, pytest.raises(DiffTooLarge) as caught:
        await diff_revisions(alice, first.id, second.id, settings)
    assert watch.ended["diff"] == 1
    assert "longer than 0.5 s" in caught.value.message
    assert caught.value.extensions == {"code": "DIFF_TOO_LARGE", "seconds": 0.5}
    assert offload.stats()["diff"]["running"] == 0


async def test_a_diff_over_its_size_budget_is_refused_without_work(factory, app_settings):
    alice = await factory.user()
    first, second = await published_article_with_revisions(alice, "a\n" * 600, "b\n" * 600)
    settings = app_settings.replace(kb_diff_max_lines=1000)
    with offload.watching() as watch, pytest.raises(DiffTooLarge) as caught:
        await diff_revisions(alice, first.id, second.id, settings)
    assert not watch.ended  # nothing was computed
    assert caught.value.extensions == {"code": "DIFF_TOO_LARGE", "lines": 1202, "limit": 1000}


async def test_graphql_reports_diff_too_large(factory, app_settings):
    from api.app import create_app

    alice, token = await factory.member_with_token()
    first, second = await published_article_with_revisions(alice, "a\n" * 600, "b\n" * 600)
    app = create_app(app_settings.replace(kb_diff_max_lines=1000), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.post(
            "/graphql",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "query": DIFF,
                "variables": {
                    "a": node_global_id("ArticleRevision", first.id),
                    "b": node_global_id("ArticleRevision", second.id),
                },
            },
        )
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "DIFF_TOO_LARGE", "lines": 1202, "limit": 1000}
    assert "a diff compares at most 1,000" in error["message"]


def test_the_diff_of_a_long_article_is_complete_and_numbered():
    old = "\n".join(f"line {i}" if i % 3 else "" for i in range(8000))
    new = old.replace("line 4000", "line four thousand")
    lines, added, removed, unified = compare(old, new, "revision 1", "revision 2")
    assert len(lines) == 8001 and (added, removed) == (1, 1)
    assert len(compare(old, new, max_lines=100).lines) == 100
    changed = [
        (line.change, line.text, line.old_number, line.new_number)
        for line in lines
        if line.change is not LineChange.SAME
    ]
    assert changed == [
        (LineChange.REMOVED, "line 4000", 4001, None),
        (LineChange.ADDED, "line four thousand", None, 4001),
    ]
    assert unified.splitlines()[:3] == ["--- revision 1", "+++ revision 2", "@@ -3998,7 +3998,7 @@"]
