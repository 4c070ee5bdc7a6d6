"""One member cannot stall the server: while a heavy request computes (an 8,000-line revision
diff, a 100 KB pathological Markdown body), `/healthz` still answers.

Proved by ordering, not by timing: the heavy work has been handed to a worker (`offload`
reports its start) and has not ended when `/healthz` answers. Were the work on the event loop,
nothing else could run between its start and its end.
"""

from __future__ import annotations

import asyncio
import random

from api import offload
from api.models.accounts import Visibility
from api.models.kb import Article, ArticleRevision, ArticleStatus
from schema.relay import node_global_id
from tests.domain.forum_helpers import make_space

DIFF = """query($a: ID!, $b: ID!) {
  revisionDiff(fromRevisionId: $a, toRevisionId: $b) { added removed lines { change } } }"""
CREATE_TOPIC = """mutation($input: CreateTopicInput!) { createTopic(input: $input) {
  topic { id bodyHtml } errors { field code message } } }"""


def article_lines(count: int, seed: int) -> list[str]:
    """An article of `count` lines as people write them: paragraphs, blank lines, code fences."""
    rng = random.Random(seed)
    words = ["the", "a", "forum", "member", "topic", "answer", "rule", "vote", "poll", "event", "guide"]
    lines: list[str] = []
    while len(lines) < count:
        if rng.random() < 0.85:
            lines += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 2))), ""]
        else:
            lines += ["```", "x = 1", "```", ""]
    return lines[:count]


async def published_article_with_revisions(author, old: str, new: str) -> tuple[ArticleRevision, ArticleRevision]:
    article = await Article.create(
        title="Long guide",
        slug=f"long-guide-{author.id}",
        body=new,
        status=ArticleStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
        created_by=author,
        revision_number=2,
    )
    first = await ArticleRevision.create(article=article, number=1, title=article.title, body=old, author=author)
    second = await ArticleRevision.create(article=article, number=2, title=article.title, body=new, author=author)
    return first, second


async def test_an_8000_line_revision_diff_does_not_block_healthz(gql, client, factory):
    alice, token = await factory.member_with_token()
    old = article_lines(8000, seed=1)
    new = list(old)
    rng = random.Random(2)
    for _ in range(250):
        new[rng.randrange(len(new))] = "edited line"
    first, second = await published_article_with_revisions(alice, "\n".join(old), "\n".join(new))
    ids = {"a": node_global_id("ArticleRevision", first.id), "b": node_global_id("ArticleRevision", second.id)}
    with offload.watching() as watch:
        heavy = asyncio.create_task(gql(DIFF, ids, token=token))
        await watch.started("diff")
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert watch.ended["diff"] == 0, "the diff ended before /healthz could answer"
        diff = (await heavy)["revisionDiff"]
    assert diff["added"] > 0 and diff["removed"] == diff["added"]
    assert len(diff["lines"]) == 5000  # the first 5,000 lines; the counts cover all of them


async def test_a_100kb_pathological_markdown_body_does_not_block_healthz(gql, client, factory, app_settings):
    admin = await factory.user(role="ADMIN")
    space = await make_space(admin)
    _, token = await factory.member_with_token()
    body = ("[*" * app_settings.max_body_length)[: app_settings.max_body_length]  # ~seconds of markdown-it
    with offload.watching() as watch:
        heavy = asyncio.create_task(
            gql(
                CREATE_TOPIC,
                {"input": {"spaceId": node_global_id("Space", space.id), "title": "Brackets", "body": body}},
                token=token,
            )
        )
        await watch.started("markdown")
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert watch.ended["markdown"] == 0, "rendering ended before /healthz could answer"
        created = (await heavy)["createTopic"]
    assert created["errors"] == []
    assert created["topic"]["bodyHtml"].startswith("<p>[")
