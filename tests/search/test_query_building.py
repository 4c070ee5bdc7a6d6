"""Filter building without Meilisearch: escaping, visibility, validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.errors import Invalid, ValidationErrors
from api.settings import Settings
from search.query import Scope, SearchFilter, filter_conditions, quote, validate_query, visibility_filter

SETTINGS = Settings.from_env({}, env_file=None)


def test_quote_escapes_backslashes_then_quotes():
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert quote("a\\") == '"a\\\\"'
    assert quote('x\\" OR 1') == '"x\\\\\\" OR 1"'


def test_visibility_filters_by_viewer():
    assert visibility_filter(Scope()) == 'visibility = "PUBLIC"'
    assert visibility_filter(Scope(signed_in=True, admin=True, role="ADMIN")) is None
    member = visibility_filter(Scope(signed_in=True, role="MEMBER", committee_ids=(3, 7)))
    assert member == (
        'visibility IN ["PUBLIC", "MEMBERS"] OR (visibility = "PRIVATE" AND '
        '(allowed_roles = "MEMBER" OR committee_ids IN [3, 7]))'
    )


def test_conditions_are_separate_and_typed():
    after = datetime(2026, 1, 1, tzinfo=UTC)
    conditions = filter_conditions(
        SearchFilter(
            space_ids=(1, 2),
            category_ids=(5,),
            tags=("c++ [beta]", 'a "b"'),
            author_id=9,
            created_after=after,
        ),
        SETTINGS,
    )
    assert conditions == [
        "space_id IN [1, 2]",
        "category_id IN [5]",
        'tags IN ["c++ [beta]", "a \\"b\\""]',
        "author_ids = 9",
        f"created_at >= {int(after.timestamp())}",
    ]


def test_bad_filters_and_queries_are_field_errors():
    with pytest.raises(Invalid) as caught:
        validate_query(" \n ", SETTINGS)
    assert caught.value.field == "query"
    assert validate_query("  社群   活动 ", SETTINGS) == "社群 活动"
    late, early = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationErrors) as many:
        filter_conditions(SearchFilter(tags=("",) * 21, created_after=late, created_before=early), SETTINGS)
    assert {e.field for e in many.value.errors} == {"filter.tags", "filter.createdAfter"}
