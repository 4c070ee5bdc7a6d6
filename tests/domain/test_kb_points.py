"""Knowledge-base work earns points (issue 17's finding): an article's first publication pays
its creator `article_published` points, once."""

from __future__ import annotations

from api.domain.engagement import points
from api.domain.kb import articles
from api.models.engagement import PointEntry


async def test_publishing_an_article_earns_its_creator_points_once(app_settings, factory):
    author = await factory.user(trust_level=2)
    mod = await factory.user(role="MODERATOR")
    article = await articles.create_article(
        author, articles.ArticleInput(title="How to brew", body="Steep it."), settings=app_settings
    )
    assert await points.balance(author.id) == 0
    await articles.publish_article(mod, article.id, settings=app_settings)
    assert await points.balance(author.id) == 20
    await articles.archive_article(mod, article.id, settings=app_settings)
    await articles.publish_article(mod, article.id, settings=app_settings)
    assert await points.balance(author.id) == 20
    assert await PointEntry.filter(rule="article_published").count() == 1
