"""Moderation in GraphQL: rules, admission and invites, reports and the review queue,
pre-moderation, sanctions, the moderation log and announcements (one module each)."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.moderation import admission, announcements, modlog, premoderation, reports, rules, sanctions

_MODULES = (rules, admission, reports, premoderation, sanctions, modlog, announcements)

Query = merge_types("ModerationQuery", tuple(m.Query for m in _MODULES if hasattr(m, "Query")))
Mutation = merge_types("ModerationMutation", tuple(m.Mutation for m in _MODULES if hasattr(m, "Mutation")))
Subscription = announcements.Subscription
