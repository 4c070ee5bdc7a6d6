"""Engagement and operations: the roots of its modules merged into one per kind."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.engagement import analytics, events, feedback, incentives, messages

_MODULES = (incentives, events, messages, feedback, analytics)

Query = merge_types("EngagementQuery", tuple(m.Query for m in _MODULES))
Mutation = merge_types("EngagementMutation", tuple(m.Mutation for m in _MODULES if hasattr(m, "Mutation")))
Subscription = messages.Subscription
