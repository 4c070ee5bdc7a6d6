"""Manifest of engagement: points, badges, titles, rewards, check-ins, events, lotteries,
messages, feedback and analytics."""

from api.demo.engagement import seed
from api.domain.content.columns import column_content_type
from api.domain.content.events import ContentHidden, ContentRemoved, ContentRestored
from api.domain.engagement import badges, handlers
from api.domain.engagement.access import READ_POLICIES
from api.domain.engagement.events import delete_event, event_reminders_job, publish_proposed
from api.domain.engagement.messages import MESSAGE
from api.domain.engagement.reversals import give_back, take_back_hidden, take_back_removed
from api.events import on
from api.models.engagement import Event
from api.registry import Domain, Job

EVENT = column_content_type(
    "CommunityEvent",
    Event,
    author_field="organiser_id",
    title=lambda e: e.title,
    text=lambda e: e.description,
    publish=publish_proposed,
    delete=delete_event,
)

DOMAIN = Domain(
    name="engagement",
    doc="Points, badges, titles and rewards; check-ins; events and lotteries; private messages; "
    "feedback; community statistics.",
    models=("api.models.engagement",),
    schema="schema.engagement",
    observers=(badges.count_event,),
    handlers=(
        *handlers.HANDLERS,
        on(ContentHidden, take_back_hidden),
        on(ContentRemoved, take_back_removed),
        on(ContentRestored, give_back),
    ),
    content_types=(MESSAGE, EVENT),
    jobs=(
        Job("engagement.event_reminders", event_reminders_job, interval=60.0),
        Job("engagement.badges_backfill", badges.backfill_job, interval=300),
    ),
    read_policies=READ_POLICIES,
    seeder=seed,
)
