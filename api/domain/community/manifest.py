"""Manifest of the community domain: settings admins change at run time."""

from api.domain.community.events import CommunitySettingsChanged
from api.registry import Domain

DOMAIN = Domain(
    name="community",
    doc="Community policy settings changed by admins at run time (defaults from the environment).",
    models=("api.models.community",),
    schema="schema.community",
    events=(CommunitySettingsChanged,),
)
