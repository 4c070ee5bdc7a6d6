"""Manifest of trust levels: earned from activity, limits for new members, privileges."""

from api.domain.content.events import WithinLimits
from api.domain.trust.events import TrustLevelChanged
from api.domain.trust.levels import recompute_job
from api.domain.trust.limits import within_limits
from api.domain.trust.notices import tell_member
from api.events import decider, on
from api.registry import Domain, Job

DOMAIN = Domain(
    name="trust",
    doc="Trust levels 0-4 earned from activity (Discourse's), new members' limits, privileges by level.",
    schema="schema.trust",
    events=(TrustLevelChanged,),
    handlers=(on(TrustLevelChanged, tell_member),),
    deciders=(decider(WithinLimits, within_limits),),
    jobs=(Job("trust.recompute", recompute_job, interval=lambda settings: settings.trust_recompute_minutes * 60),),
)
