"""Forum and Q&A rules: spaces, topics, posts, reactions, votes, reputation, reading.

Each module holds one part: `access` (who may see what), `spaces`, `topics`, `posts`,
`reactions`, `qa` (votes, accepted answers, reputation), `reading` (read state, bookmarks,
subscriptions), `hot` (the HOT ranking), `announce` (notifications, events, live updates after
a write), `moderation` (content registry hooks). Functions take the acting `User | None`.
"""
