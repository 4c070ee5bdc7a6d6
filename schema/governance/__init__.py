"""Governance schema: committees, proposals and votes, polls, surveys."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.governance import committees, polls, proposals, surveys

Query = merge_types("GovernanceQuery", (committees.Query, proposals.Query, polls.Query, surveys.Query))
Mutation = merge_types(
    "GovernanceMutation", (committees.Mutation, proposals.Mutation, polls.Mutation, surveys.Mutation)
)
Subscription = proposals.Subscription
