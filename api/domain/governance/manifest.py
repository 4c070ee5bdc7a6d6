"""Manifest of governance: committees, proposals and ballots, polls and surveys."""

from api.demo.governance import seed
from api.domain.governance.access import READ_POLICIES
from api.domain.governance.closing import close_due
from api.registry import Domain, Job

DOMAIN = Domain(
    name="governance",
    doc="Committees, proposals with four voting methods and secret ballots, polls and surveys.",
    models=("api.models.governance",),
    schema="schema.governance",
    read_policies=READ_POLICIES,
    jobs=(Job("governance.close_due", close_due),),
    seeder=seed,
)
