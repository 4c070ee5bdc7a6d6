"""Manifest of the content domain: the events and questions shared by all member content."""

from api.domain.content.events import ContentFlagged, ContentHeld, ContentHidden, ContentRemoved, ContentRestored
from api.registry import Domain

DOMAIN = Domain(
    name="content",
    doc="What every member-written item shares: moderatable content types, held content.",
    events=(ContentHeld, ContentFlagged, ContentHidden, ContentRestored, ContentRemoved),
)
