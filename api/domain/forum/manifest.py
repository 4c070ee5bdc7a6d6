"""Manifest of the forum and Q&A."""

from api.demo.forum import seed
from api.domain.content.events import ContentHidden, ContentRemoved, ContentRestored
from api.domain.forum import events
from api.domain.forum.access import READ_POLICIES
from api.domain.forum.media import forum_reader
from api.domain.forum.moderation import POST, TOPIC
from api.domain.forum.qa import give_back_reputation, take_back_hidden_reputation, take_back_removed_reputation
from api.domain.forum.search import POSTS, TOPICS
from api.events import on
from api.registry import Domain

DOMAIN = Domain(
    name="forum",
    doc="Spaces, topics and threaded posts; questions, answers, votes and reputation; reading state.",
    models=("api.models.forum",),
    schema="schema.forum",
    events=events.ALL,
    histories=events.HISTORIES,
    content_types=(TOPIC, POST),
    search_kinds=(TOPICS, POSTS),
    media_readers=(forum_reader,),
    handlers=(
        on(ContentHidden, take_back_hidden_reputation),
        on(ContentRemoved, take_back_removed_reputation),
        on(ContentRestored, give_back_reputation),
    ),
    read_policies=READ_POLICIES,
    seeder=seed,
)
