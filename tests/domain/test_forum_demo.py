"""The demo forum seeds spaces, bilingual topics, questions with answers, votes and reactions."""

from __future__ import annotations

from api.demo import accounts, forum
from api.models.accounts import Visibility
from api.models.forum import Post, Reaction, Space, Topic, TopicKind, Vote


async def test_demo_forum(app_settings):
    state: dict = {}
    await accounts.seed(app_settings, state)
    await forum.seed(app_settings, state)
    assert {s.visibility for s in await Space.all()} == {Visibility.PUBLIC, Visibility.MEMBERS, Visibility.PRIVATE}
    titles = list(await Topic.all().values_list("title", flat=True))
    assert any("周末" in t for t in titles) and any("Welcome" in t for t in titles)
    assert await Topic.filter(kind=TopicKind.QUESTION).count() == 3
    assert await Topic.filter(accepted_post_id__isnull=False).count() == 2
    assert await Post.filter(accepted=True).count() == 2
    assert await Vote.all().count() > 0 and await Reaction.all().count() > 0
    assert await Topic.filter(held=True).count() == 0 and await Post.filter(held=True).count() == 0
