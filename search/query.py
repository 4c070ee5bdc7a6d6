"""The read side: one federated query over the indexes of the requested kinds, with the
viewer's visibility filter, typed filters, highlights and facets.

Filters are never pasted from user text: every value is either an integer, a timestamp, or a
string passed through `quote`, and each condition is a separate element of Meilisearch's
filter array (elements are ANDed), so no value can change the meaning of another condition.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from api.errors import DomainError, ErrorCode, Invalid, collect
from api.settings import Settings
from search.client import multi_search
from search.indexes import FACETS, index_uid
from search.registry import kinds

# Highlight markers Meilisearch inserts; replaced by <mark> after HTML-escaping the text.
_PRE, _POST = "\u0001", "\u0002"
# Fields that never carry a highlight worth showing.
_NOT_SNIPPETS = {
    "id",
    "kind",
    "visibility",
    "allowed_roles",
    "committee_ids",
    "status",
    "slug",
    "created_at",
    "updated_at",
    "author_ids",
    "category_id",
    "space_id",
    "role",
    "url",
}
_CROPPED = ["body:40", "summary:40", "description:40", "bio:40", "text:40"]
MAX_FILTER_VALUES = 20


class Unavailable(DomainError):
    code = ErrorCode.UNAVAILABLE


class SearchSort(str, Enum):
    RELEVANCE = "RELEVANCE"
    NEWEST = "NEWEST"
    OLDEST = "OLDEST"


_SORTS = {
    SearchSort.RELEVANCE: None,
    SearchSort.NEWEST: ["created_at:desc"],
    SearchSort.OLDEST: ["created_at:asc"],
}


@dataclass(frozen=True)
class SearchFilter:
    space_ids: tuple[int, ...] = ()
    category_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    author_id: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True)
class Scope:
    """Who is searching, as far as visibility goes."""

    signed_in: bool = False
    admin: bool = False
    role: str | None = None
    committee_ids: tuple[int, ...] = ()


@dataclass
class Highlight:
    field: str
    snippet: str  # HTML-escaped text with <mark>...</mark> around matches


@dataclass
class Hit:
    kind: str
    id: int
    score: float | None
    highlights: list[Highlight] = field(default_factory=list)


@dataclass
class Results:
    hits: list[Hit]
    total: int
    offset: int
    facets: dict[str, dict[str, int]]


def quote(value: str) -> str:
    """A Meilisearch filter string literal: backslashes and double quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ints(values: tuple[int, ...] | list[int]) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def visibility_filter(scope: Scope) -> str | None:
    """What the viewer may read; None for admins (everything)."""
    if scope.admin:
        return None
    if not scope.signed_in:
        return 'visibility = "PUBLIC"'
    private = [f"allowed_roles = {quote(scope.role or '')}"]
    if scope.committee_ids:
        private.append(f"committee_ids IN {_ints(scope.committee_ids)}")
    return f'visibility IN ["PUBLIC", "MEMBERS"] OR (visibility = "PRIVATE" AND ({" OR ".join(private)}))'


def filter_conditions(flt: SearchFilter, settings: Settings) -> list[str]:
    """Validated conditions (ANDed) from typed input; raises field errors."""
    errors: list[DomainError] = []
    for name, values in (("spaceIds", flt.space_ids), ("categoryIds", flt.category_ids), ("tags", flt.tags)):
        if len(values) > MAX_FILTER_VALUES:
            errors.append(Invalid(f"Use at most {MAX_FILTER_VALUES} values.", field=f"filter.{name}"))
    tags = [t.strip() for t in flt.tags]
    if any(not t or len(t) > settings.kb_max_tag_length * 2 for t in tags):
        errors.append(Invalid("Tags must be non-empty and short.", field="filter.tags"))
    if flt.created_after and flt.created_before and flt.created_after >= flt.created_before:
        errors.append(Invalid("createdAfter must be before createdBefore.", field="filter.createdAfter"))
    collect(errors)
    conditions = []
    if flt.space_ids:
        conditions.append(f"space_id IN {_ints(flt.space_ids)}")
    if flt.category_ids:
        conditions.append(f"category_id IN {_ints(flt.category_ids)}")
    if tags:
        conditions.append("tags IN [" + ", ".join(quote(t) for t in tags) + "]")
    if flt.author_id is not None:
        conditions.append(f"author_ids = {int(flt.author_id)}")
    if flt.created_after:
        conditions.append(f"created_at >= {int(flt.created_after.timestamp())}")
    if flt.created_before:
        conditions.append(f"created_at < {int(flt.created_before.timestamp())}")
    return conditions


def validate_query(query: str, settings: Settings) -> str:
    text = " ".join(query.split())
    if not text:
        raise Invalid("Enter something to search for.", field="query")
    if len(text) > settings.search_query_max_length:
        raise Invalid(f"Use at most {settings.search_query_max_length} characters.", field="query")
    return text


def selected_kinds(names: list[str] | None) -> list[str]:
    registered = kinds()
    if not names:
        return list(registered)
    unknown = [n for n in names if n not in registered]
    if unknown:
        raise Invalid(f"Not searchable here: {', '.join(unknown)}.", field="kinds")
    return list(dict.fromkeys(names))


def _snippet(value: Any) -> str | None:
    if isinstance(value, list):
        marked = [v for v in value if isinstance(v, str) and _PRE in v]
        value = ", ".join(marked) if marked else None
    if not isinstance(value, str) or _PRE not in value:
        return None
    return html.escape(value).replace(_PRE, "<mark>").replace(_POST, "</mark>")


def _highlights(formatted: dict[str, Any]) -> list[Highlight]:
    out = []
    for name, value in formatted.items():
        if name in _NOT_SNIPPETS or name.startswith("_"):
            continue
        snippet = _snippet(value)
        if snippet is not None:
            out.append(Highlight(field=name, snippet=snippet))
    return out


def build_request(
    settings: Settings,
    scope: Scope,
    query: str,
    *,
    kind_names: list[str] | None = None,
    flt: SearchFilter | None = None,
    sort: SearchSort = SearchSort.RELEVANCE,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, str]]:
    """The validated federated multi-search: (queries, federation, index uid -> kind)."""
    text = validate_query(query, settings)
    names = selected_kinds(kind_names)
    conditions = filter_conditions(flt or SearchFilter(), settings)
    visibility = visibility_filter(scope)
    filters = ([visibility] if visibility else []) + conditions
    registered = kinds()
    uid_to_kind = {index_uid(settings, registered[n]): n for n in names}
    queries = []
    for uid in uid_to_kind:
        q: dict[str, Any] = {
            "indexUid": uid,
            "q": text,
            "attributesToHighlight": ["*"],
            "highlightPreTag": _PRE,
            "highlightPostTag": _POST,
            "attributesToCrop": _CROPPED,
            "cropMarker": "…",
            "showRankingScore": True,
            "attributesToRetrieve": ["id", "kind"],
        }
        if filters:
            q["filter"] = filters
        if _SORTS[sort]:
            q["sort"] = _SORTS[sort]
        queries.append(q)
    federation = {
        "offset": offset,
        "limit": limit,
        "facetsByIndex": {uid: FACETS for uid in uid_to_kind},
        "mergeFacets": {},
    }
    return queries, federation, uid_to_kind


async def search(
    settings: Settings,
    scope: Scope,
    query: str,
    *,
    kind_names: list[str] | None = None,
    flt: SearchFilter | None = None,
    sort: SearchSort = SearchSort.RELEVANCE,
    offset: int = 0,
    limit: int = 20,
) -> Results:
    """Search every selected kind at once; hits are ranked together (federated search)."""
    queries, federation, uid_to_kind = build_request(
        settings, scope, query, kind_names=kind_names, flt=flt, sort=sort, offset=offset, limit=limit
    )
    try:
        raw = await multi_search(settings, queries, federation)
    except Exception as exc:  # noqa: BLE001 - the client raises several unrelated types
        raise Unavailable(f"Search is unavailable right now ({type(exc).__name__}).") from None
    hits = [
        Hit(
            kind=uid_to_kind[h["_federation"]["indexUid"]],
            id=int(h["id"]),
            score=h.get("_rankingScore"),
            highlights=_highlights(h.get("_formatted", {})),
        )
        for h in raw.get("hits", [])
    ]
    facets = {name: dict(values) for name, values in (raw.get("facetDistribution") or {}).items()}
    return Results(hits=hits, total=int(raw.get("estimatedTotalHits", len(hits))), offset=offset, facets=facets)
