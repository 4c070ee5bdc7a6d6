"""Forum and Q&A schema: spaces, topics, posts, reactions, questions, votes, reading, live updates."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.forum import live, posts, qa, reading, spaces, topics

Query = merge_types("ForumQuery", (spaces.Query, topics.Query, qa.Query, reading.Query))
Mutation = merge_types(
    "ForumMutation", (spaces.Mutation, topics.Mutation, posts.Mutation, qa.Mutation, reading.Mutation)
)
Subscription = live.Subscription
