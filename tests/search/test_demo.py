"""The demo knowledge base is searchable right after seeding and start-up."""

from __future__ import annotations

from api.bootstrap import run_startup_hooks
from api.demo import accounts as demo_accounts
from api.demo import kb as demo_kb
from api.models.kb import Article, ArticleStatus, Resource
from api.models.search import SearchOutbox
from search.query import Scope, search


async def test_demo_knowledge_base_is_indexed_at_start_up(app_settings):
    state: dict = {}
    await demo_accounts.seed(app_settings, state)
    await demo_kb.seed(app_settings, state)
    assert await Article.filter(status=ArticleStatus.PUBLISHED).count() >= 30
    assert await Resource.all().count() >= 5
    await run_startup_hooks(app_settings)  # what `guildhall serve` runs before serving
    assert await SearchOutbox.all().count() == 0
    anonymous = Scope()
    chinese = await search(app_settings, anonymous, "社群活动", kind_names=["article"])
    assert chinese.hits and chinese.total >= 2
    typo = await search(app_settings, anonymous, "comittee", kind_names=["article"])
    assert typo.hits
    staff_only = await search(app_settings, anonymous, "moderator handbook", kind_names=["article"])
    titles = {a.id: a.title for a in await Article.filter(id__in=[h.id for h in staff_only.hits])}
    assert "Moderator handbook" not in titles.values()
    union = await search(app_settings, anonymous, "checklist", limit=50)
    assert {"article", "resource"} <= {h.kind for h in union.hits}
