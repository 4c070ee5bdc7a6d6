"""Search over everything the viewer may read: `search`, `searchToken`, and admin controls."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Union

import strawberry

from api.policies import search_scope
from schema.accounts import Payload, User
from schema.context import Info
from schema.enums import described_enum
from schema.errors import PublicError
from schema.kb.types import Article, Resource
from schema.loaders import fill, now_or_later, pending
from schema.permissions import Require, guard
from schema.relay import Connection, ModelNode, PageInfo, decode_cursor, encode_cursor, parse_id
from search import admin as search_admin
from search import query as search_query
from search.tokens import tenant_token

if TYPE_CHECKING:
    from schema.forum.types import Post, Topic


class SearchKindValue(str, Enum):
    ARTICLE = "article"
    RESOURCE = "resource"
    MEMBER = "member"
    TOPIC = "topic"
    POST = "post"


SearchKind = SearchKindValue
described_enum(
    SearchKind,
    name="SearchKind",
    description="Kinds of searchable objects.",
    values={
        "ARTICLE": "Knowledge-base articles.",
        "RESOURCE": "Resource library entries.",
        "MEMBER": "Members.",
        "TOPIC": "Forum topics and questions.",
        "POST": "Forum replies and answers.",
    },
)
SearchSort = search_query.SearchSort
described_enum(
    SearchSort,
    name="SearchSort",
    description="Order of search hits.",
    values={
        "RELEVANCE": "Best matches first.",
        "NEWEST": "Most recently created first.",
        "OLDEST": "Oldest first.",
    },
)


def _hit_types() -> dict[str, type[ModelNode]]:
    """Search kind -> GraphQL node type (forum types once the forum schema exists)."""
    types: dict[str, type[ModelNode]] = {"article": Article, "resource": Resource, "member": User}
    if importlib.util.find_spec("schema.forum.types") is not None:
        from schema.forum.types import Post, Topic

        types.update(topic=Topic, post=Post)
    return types


HIT_TYPES = _hit_types()
if TYPE_CHECKING:
    SearchResult = Article | Resource | User | Topic | Post
else:
    SearchResult = Annotated[
        Union[tuple(HIT_TYPES.values())],  # noqa: UP007 - a runtime-built union
        strawberry.union("SearchResult", description="An object found by `search`."),
    ]


@strawberry.input(description="Narrow a search; every given condition must hold.")
class SearchFilterInput:
    space_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="In one of these forum spaces.")
    category_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="In one of these knowledge-base categories."
    )
    tags: list[str] = strawberry.field(default_factory=list, description="Carrying one of these tags (exact).")
    author_id: strawberry.ID | None = strawberry.field(default=None, description="Written by this member.")
    created_after: datetime | None = strawberry.field(default=None, description="Created at or after this time.")
    created_before: datetime | None = strawberry.field(default=None, description="Created before this time.")


@strawberry.type(description="A part of a hit's text with the matched words marked.")
class SearchHighlight:
    field: str = strawberry.field(description="The document field (e.g. `title`, `body`, `tags`).")
    snippet: str = strawberry.field(
        description="HTML-escaped text (cropped around matches) with <mark>...</mark> around matched words."
    )


@strawberry.type(description="One search result.")
class SearchHit:
    kind: SearchKind = strawberry.field(description="The kind of object found.")
    score: float | None = strawberry.field(description="Relevance between 0 and 1.")
    highlights: list[SearchHighlight] = strawberry.field(description="Matched parts of the text.")
    node: SearchResult = strawberry.field(description="The object found.")


@strawberry.type(description="How many hits have a given facet value.")
class FacetCount:
    value: str = strawberry.field(description="The value (a kind, a Space global id, or a tag).")
    count: int = strawberry.field(description="Number of hits with it.")


@strawberry.type(description="Hit counts of the whole result by kind, space and tag.")
class SearchFacets:
    kinds: list[FacetCount] = strawberry.field(description="By kind (ARTICLE, TOPIC...).")
    spaces: list[FacetCount] = strawberry.field(description="By forum space (values are Space global ids).")
    tags: list[FacetCount] = strawberry.field(description="By tag, most frequent first.")


@strawberry.type(description="A page of search hits, with facet counts of the whole result.")
class SearchConnection(Connection[SearchHit]):
    facets: SearchFacets = strawberry.field(description="Counts by kind, space and tag over every hit.")


@strawberry.type(description="A short-lived Meilisearch tenant token for querying the indexes directly.")
class SearchToken:
    token: str = strawberry.field(description="Send as `Authorization: Bearer <token>` to Meilisearch.")
    expires_at: datetime = strawberry.field(description="When it stops working.")
    url: str = strawberry.field(description="The Meilisearch URL.")
    indexes: list[SearchTokenIndex] = strawberry.field(description="The index of each searchable kind.")


@strawberry.type(description="The Meilisearch index of a kind.")
class SearchTokenIndex:
    kind: SearchKind = strawberry.field(description="The kind.")
    uid: str = strawberry.field(description="The index uid.")


@strawberry.type(description="State of search synchronisation (admins).")
class SearchStatus:
    pending: int = strawberry.field(description="Outbox rows not yet pushed to Meilisearch.")
    failing: int = strawberry.field(description="Pending rows that failed at least once (retried with back-off).")
    oldest_pending_at: datetime | None = strawberry.field(description="When the oldest pending change was made.")
    last_error: str | None = strawberry.field(description="The last push or settings error, if any.")
    last_error_at: datetime | None = strawberry.field(description="When it happened.")
    rebuilding: bool = strawberry.field(description="Whether `guildhall reindex` is running.")
    synonyms_applied: bool = strawberry.field(description="Whether the stored synonyms reached every index.")
    synonyms: list[list[str]] = strawberry.field(description="The synonym groups stored.")


@strawberry.input(description="The complete list of synonym groups (replaces the stored one).")
class SetSearchSynonymsInput:
    groups: list[list[str]] = strawberry.field(
        description='Groups of 2 to 20 equivalent terms, e.g. [["committee", "委员会"]]; empty clears all.'
    )


@strawberry.type(description="Result of `setSearchSynonyms`.")
class SetSearchSynonymsPayload(Payload):
    groups: list[list[str]] | None = strawberry.field(default=None, description="The stored groups.")


async def _scope(info: Info) -> search_query.Scope:
    memo = info.context.memo
    if "search.scope" not in memo:
        memo["search.scope"] = await search_scope(info.context.viewer, memo)
    return memo["search.scope"]


async def _load_nodes(info: Info, hits: list[search_query.Hit]) -> dict[tuple[str, int], Any]:
    """The visible object of every hit, one batch per kind (stale documents drop out)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for hit in hits:
        by_kind[hit.kind].append(hit.id)
    found: dict[tuple[str, int], Any] = {}
    for kind, ids in by_kind.items():
        node_type = HIT_TYPES.get(kind)
        if node_type is None:
            continue
        loader = info.context.loaders.by_id(node_type.model)
        await fill(loader, ids)  # one batch, primed: no future or task per hit
        rows = []
        for value in (now_or_later(loader, i) for i in ids):
            if pending(value):  # being loaded by another field of the operation
                value = await value
            if value is not None:
                rows.append(value)
        for row in await node_type.visible(info, rows):
            found[(kind, row.pk)] = row
    return found


def _facet(values: dict[str, int], convert: Any = str) -> list[FacetCount]:
    return [FacetCount(value=convert(v), count=c) for v, c in sorted(values.items(), key=lambda i: (-i[1], i[0]))]


@strawberry.type
class Query:
    @strawberry.field(description="Search everything the viewer may read: typo-tolerant, Chinese and English.")
    async def search(
        self,
        info: Info,
        query: Annotated[
            str, strawberry.argument(description="The words to look for (1 to SEARCH_QUERY_MAX_LENGTH characters).")
        ],
        kinds: Annotated[
            list[SearchKind] | None, strawberry.argument(description="Only these kinds (default: all).")
        ] = None,
        filter: Annotated[SearchFilterInput | None, strawberry.argument(description="Conditions on the hits.")] = None,
        sort: Annotated[
            SearchSort, strawberry.argument(description="Order of hits.")
        ] = search_query.SearchSort.RELEVANCE,
        first: Annotated[
            int | None,
            strawberry.argument(description="Hits per page (default PAGE_SIZE_DEFAULT, at most PAGE_SIZE_MAX)."),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description="Return hits after this cursor.")] = None,
    ) -> SearchConnection:
        settings = info.context.settings
        limit = settings.page_size_default if first is None else first
        if limit < 0 or limit > settings.page_size_max:
            raise PublicError(f"`first` must be between 0 and {settings.page_size_max}.")
        offset = decode_cursor(after) + 1 if after else 0
        flt = filter or SearchFilterInput()
        typed = search_query.SearchFilter(
            space_ids=tuple(parse_id(i, "Space", "filter.spaceIds") for i in flt.space_ids),
            category_ids=tuple(parse_id(i, "KbCategory", "filter.categoryIds") for i in flt.category_ids),
            tags=tuple(flt.tags),
            author_id=None if flt.author_id is None else parse_id(flt.author_id, "User", "filter.authorId"),
            created_after=flt.created_after,
            created_before=flt.created_before,
        )
        results = await search_query.search(
            settings,
            await _scope(info),
            query,
            kind_names=[SearchKindValue(getattr(k, "value", k)).value for k in kinds] if kinds else None,
            flt=typed,
            sort=search_query.SearchSort(getattr(sort, "value", sort)),
            offset=offset,
            limit=limit,
        )
        nodes = await _load_nodes(info, results.hits)
        found, positions = [], []
        for position, hit in enumerate(results.hits, start=offset):
            node = nodes.get((hit.kind, hit.id))
            if node is None:
                continue
            highlights = [SearchHighlight(field=h.field, snippet=h.snippet) for h in hit.highlights]
            found.append(SearchHit(kind=SearchKindValue(hit.kind), score=hit.score, highlights=highlights, node=node))
            positions.append(position)
        last_position = offset + len(results.hits) - 1
        facets = results.facets
        return SearchConnection(
            _page_info=PageInfo(
                has_next_page=offset + len(results.hits) < results.total,
                has_previous_page=offset > 0,
                _start=encode_cursor(positions[0]) if positions else None,
                _end=encode_cursor(last_position) if results.hits else None,
            ),
            _items=found,
            _cursors=lambda i: encode_cursor(positions[i]),
            _count=results.total,
            facets=SearchFacets(
                kinds=_facet(facets.get("kind", {}), lambda v: SearchKindValue(v).name),
                spaces=_facet(facets.get("space_id", {}), lambda v: str(strawberry.relay.GlobalID("Space", str(v)))),
                tags=_facet(facets.get("tags", {})),
            ),
        )

    @strawberry.field(description="A short-lived Meilisearch tenant token that can only read what the viewer may.")
    async def search_token(self, info: Info) -> SearchToken:
        viewer = info.context.viewer
        token = await tenant_token(info.context.settings, await _scope(info), viewer.id if viewer else None)
        return SearchToken(
            token=token.token,
            expires_at=token.expires_at,
            url=token.url,
            indexes=[SearchTokenIndex(kind=SearchKindValue(k), uid=uid) for k, uid in token.indexes.items()],
        )

    @strawberry.field(description="Search synchronisation state (admins; others get an error).")
    async def search_status(self, info: Info) -> SearchStatus:
        status = await search_admin.status(info.context.viewer)
        from search.state import get_synonyms

        return SearchStatus(
            pending=status.pending,
            failing=status.failing,
            oldest_pending_at=status.oldest_pending_at,
            last_error=status.last_error,
            last_error_at=status.last_error_at,
            rebuilding=status.rebuilding,
            synonyms_applied=status.synonyms_applied,
            synonyms=search_admin.groups_of(await get_synonyms()),
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Replace the search synonyms (admins); applied to every index.")
    @guard(Require.ADMIN)
    async def set_search_synonyms(
        self,
        info: Info,
        input: Annotated[SetSearchSynonymsInput, strawberry.argument(description="The synonym groups.")],
    ) -> SetSearchSynonymsPayload:
        groups = await search_admin.set_synonyms(info.context.viewer, input.groups, info.context.settings)
        return SetSearchSynonymsPayload(groups=groups)
