"""Manifest of the knowledge base: articles with revisions, categories, resources."""

from api.demo.kb import seed
from api.domain.kb.access import READ_POLICIES
from api.domain.kb.events import ArticlePublished
from api.domain.kb.media import kb_reader
from api.domain.kb.moderation import ARTICLE, RESOURCE
from api.domain.kb.search import ARTICLES, RESOURCES
from api.registry import Domain

DOMAIN = Domain(
    name="kb",
    doc="Knowledge base: articles with revisions, categories and resources.",
    models=("api.models.kb",),
    schema="schema.kb",
    events=(ArticlePublished,),
    content_types=(ARTICLE, RESOURCE),
    search_kinds=(ARTICLES, RESOURCES),
    media_readers=(kb_reader,),
    read_policies=READ_POLICIES,
    seeder=seed,
)
