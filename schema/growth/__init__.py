"""Member lifecycle and growth: the roots of its modules merged into one per kind."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.growth import coupons, lifecycle, referrals, segments, tiers

_MODULES = (lifecycle, tiers, coupons, referrals, segments)

Query = merge_types("GrowthQuery", tuple(m.Query for m in _MODULES))
_MUTATIONS = tuple(m.Mutation for m in _MODULES if hasattr(m, "Mutation"))
if _MUTATIONS:
    Mutation = merge_types("GrowthMutation", _MUTATIONS)
