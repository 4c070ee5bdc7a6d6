"""Manifest of moderation: rules, admission, invites, reports, sanctions, pre-moderation, the
moderation log and announcements."""

from api.demo.moderation import seed
from api.domain.accounts.events import AdmitMember
from api.domain.community.events import CommunitySettingsChanged
from api.domain.content.events import ContentFlagged, ContentHeld, MayPost, ScreenText
from api.domain.moderation.access import READ_POLICIES
from api.domain.moderation.admission import admit_new_member
from api.domain.moderation.announcements import publish_due_job
from api.domain.moderation.modlog import log_settings_change
from api.domain.moderation.premoderation import may_post, queue_flagged, queue_held, screen_text
from api.events import decider, on
from api.registry import Domain, Job

DOMAIN = Domain(
    name="moderation",
    doc="Community rules, admission and invites, reports and the review queue, sanctions, "
    "pre-moderation, the moderation log and announcements.",
    models=("api.models.moderation",),
    schema="schema.moderation",
    read_policies=READ_POLICIES,
    deciders=(decider(MayPost, may_post), decider(ScreenText, screen_text), decider(AdmitMember, admit_new_member)),
    handlers=(
        on(ContentHeld, queue_held),
        on(ContentFlagged, queue_flagged),
        on(CommunitySettingsChanged, log_settings_change),
    ),
    jobs=(Job("moderation.publish_announcements", publish_due_job),),
    seeder=seed,
)
