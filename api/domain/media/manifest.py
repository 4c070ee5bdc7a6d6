"""Manifest of media: uploads, processed variants, avatars, privacy of files."""

from api.demo.media import seed
from api.domain.media.access import READ_POLICIES
from api.domain.media.housekeeping import SWEEP_AFTER_SECONDS, sweep_job
from api.registry import Domain, Job
from media.commands import MOVE_MEDIA

DOMAIN = Domain(
    name="media",
    doc="Uploads (sniffed, processed, content-addressed), variants, avatars, private files.",
    models=("api.models.media",),
    schema="schema.media",
    read_policies=READ_POLICIES,
    jobs=(Job("media.sweep", sweep_job, interval=SWEEP_AFTER_SECONDS),),
    commands=(MOVE_MEDIA,),
    seeder=seed,
)
