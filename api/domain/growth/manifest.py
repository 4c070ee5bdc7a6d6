"""Manifest of member lifecycle and growth."""

from api.domain.growth.events import MemberStageChanged
from api.domain.growth.lifecycle import lifecycle_job, remind_at_risk
from api.events import on
from api.registry import Domain, Job

DOMAIN = Domain(
    name="growth",
    doc="Member lifecycle (ACTIVE, AT_RISK, INACTIVE from absence), tiers and benefits, coupons.",
    schema="schema.growth",
    events=(MemberStageChanged,),
    handlers=(on(MemberStageChanged, remind_at_risk),),
    jobs=(Job("growth.lifecycle", lifecycle_job, interval=600),),
)
