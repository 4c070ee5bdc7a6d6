"""What the knowledge base announces after a committed write (see `api.events`)."""

from __future__ import annotations

from dataclasses import dataclass

from api.events import Event


@dataclass(frozen=True)
class ArticlePublished(Event):
    """An article was published (first publication or re-publication)."""

    name = "kb.article_published"
    public = True
    article_id: int
    actor_id: int | None
