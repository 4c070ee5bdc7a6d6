"""The HOT ranking of topics.

    hot = log10(max(1, 1 + 2 * replies + reactions + score)) + (last_activity - EPOCH) / DECAY

Engagement counts on a log scale (the first ten reactions weigh as much as the next ninety),
and recency is linear in time: every DECAY seconds (12.5 hours) of newer activity is worth
ten times the engagement. Because the time term grows for new activity rather than shrinking
for old, the score of a topic only changes when the topic changes, so it is stored (indexed)
and recomputed by the writes that change its inputs; ordering by it is then one indexed query.
Comparing two topics, older activity decays relative to newer: that is the time decay.
"""

from __future__ import annotations

import math
from datetime import datetime

EPOCH = 1_700_000_000  # 2023-11-14, keeps the time term small
DECAY_SECONDS = 45_000


def hot_score(*, replies: int, reactions: int, score: int, last_activity: datetime) -> float:
    engagement = 1 + 2 * replies + reactions + score
    return math.log10(max(1, engagement)) + (last_activity.timestamp() - EPOCH) / DECAY_SECONDS


async def refresh_hot(topic_id: int) -> None:
    """Recompute the stored score from the stored counters (call inside the write's transaction)."""
    from api.models.forum import Topic

    topic = (
        await Topic.filter(id=topic_id).only("id", "reply_count", "reaction_count", "score", "last_activity_at").first()
    )
    if topic is None:
        return
    value = hot_score(
        replies=topic.reply_count,
        reactions=topic.reaction_count,
        score=topic.score,
        last_activity=topic.last_activity_at,
    )
    await Topic.filter(id=topic_id).update(hot=value)
