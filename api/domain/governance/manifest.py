"""Manifest of governance: committees, proposals and ballots, polls and surveys."""

from api.demo.governance import seed
from api.domain.content.columns import column_content_type
from api.domain.governance.access import READ_POLICIES
from api.domain.governance.closing import close_due
from api.domain.governance.deliberation import remind_voters
from api.models.governance import Poll, Proposal, Survey
from api.registry import Domain, Job

# Reportable, hideable, restorable and deletable through moderation, like posts.
POLL = column_content_type(
    "Poll",
    Poll,
    author_field="author_id",
    title=lambda p: p.question,
    text=lambda p: "\n".join([p.question, *p.options]),
)
SURVEY = column_content_type(
    "Survey", Survey, author_field="author_id", title=lambda s: s.title, text=lambda s: s.description
)
PROPOSAL = column_content_type(
    "Proposal", Proposal, author_field="author_id", title=lambda p: p.title, text=lambda p: p.body
)

DOMAIN = Domain(
    name="governance",
    doc="Committees, proposals with four voting methods and secret ballots, polls and surveys.",
    models=("api.models.governance",),
    schema="schema.governance",
    read_policies=READ_POLICIES,
    content_types=(POLL, SURVEY, PROPOSAL),
    jobs=(Job("governance.close_due", close_due), Job("governance.vote_reminders", remind_voters)),
    seeder=seed,
)
