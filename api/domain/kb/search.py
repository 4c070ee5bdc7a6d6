"""Search documents of the knowledge base: published articles and resources."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from api.db import column
from api.domain.kb.text import roles_list
from api.markdown import shown_texts_async
from api.models.kb import Article, ArticleAuthor, ArticleStatus, Resource
from search.documents import MAX_TEXT, timestamp
from search.registry import DocumentKind


async def _author_ids(article_ids: list[int]) -> dict[int, list[int]]:
    authors: dict[int, list[int]] = defaultdict(list)
    for link in await ArticleAuthor.filter(article_id__in=article_ids).order_by("id"):
        authors[link.article_id].append(link.user_id)
    return authors


async def load_articles(ids: list[int]) -> list[dict[str, Any]]:
    """Published and archived articles are searchable; drafts and hidden ones are not."""
    rows = await Article.filter(id__in=ids, status__in=[ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED], hidden=False)
    authors = await _author_ids([a.id for a in rows])
    texts = await shown_texts_async([(a.body_html, a.body) for a in rows])
    return [
        {
            "id": a.id,
            "kind": "article",
            "title": a.title,
            "slug": a.slug,
            "summary": a.summary,
            "body": text[:MAX_TEXT],
            "tags": list(a.tags),
            "category_id": a.category_id,
            "author_ids": authors.get(a.id, []),
            "status": a.status.value,
            "visibility": a.visibility.value,
            "allowed_roles": roles_list(a.allowed_roles),
            "committee_ids": [a.committee_id] if a.committee_id else [],
            "created_at": timestamp(a.published_at or a.created_at),
            "updated_at": timestamp(a.updated_at),
        }
        for a, text in zip(rows, texts, strict=True)
    ]


async def all_article_ids() -> list[int]:
    return list(
        await column(
            Article.filter(status__in=[ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED], hidden=False).order_by("id"),
            "id",
        )
    )


async def load_resources(ids: list[int]) -> list[dict[str, Any]]:
    rows = await Resource.filter(id__in=ids, hidden=False)
    return [
        {
            "id": r.id,
            "kind": "resource",
            "title": r.title,
            "description": r.description,
            "tags": list(r.tags),
            "category_id": r.category_id,
            "resource_kind": r.kind.value,
            "author_ids": [r.created_by_id] if r.created_by_id else [],
            "url": r.url,
            "visibility": r.visibility.value,
            "allowed_roles": roles_list(r.allowed_roles),
            "committee_ids": [],
            "created_at": timestamp(r.created_at),
            "updated_at": timestamp(r.updated_at),
        }
        for r in rows
    ]


async def all_resource_ids() -> list[int]:
    return list(await column(Resource.filter(hidden=False).order_by("id"), "id"))


ARTICLES = DocumentKind(
    name="article",
    index="articles",
    load=load_articles,
    all_ids=all_article_ids,
    settings={
        # Ranking order: a hit in the title beats one in the tags, summary, then body.
        "searchableAttributes": ["title", "tags", "summary", "body"],
        "displayedAttributes": ["*"],
        "sortableAttributes": ["title"],
    },
)

RESOURCES = DocumentKind(
    name="resource",
    index="resources",
    load=load_resources,
    all_ids=all_resource_ids,
    settings={
        "searchableAttributes": ["title", "tags", "description", "url"],
        "filterableAttributes": ["resource_kind"],
        "sortableAttributes": ["title"],
    },
)
