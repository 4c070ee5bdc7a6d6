"""Manifest of attachments: which content uses which media file."""

from api.domain.attachments.commands import RECORD_MEDIA_USES
from api.registry import Domain

DOMAIN = Domain(
    name="attachments",
    doc="Which content uses which media file, and the privacy of files that follows from it.",
    models=("api.models.attachments",),
    commands=(RECORD_MEDIA_USES,),
)
