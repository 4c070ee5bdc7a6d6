"""`api.db.by_pk`: the rows `filter(pk__in=...)` returns, without building its query."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from api.db import by_pk
from api.models.accounts import User
from api.models.kb import Article
from tests.search.helpers import published


def _columns(rows: list) -> list[dict]:
    return sorted(({k: v for k, v in vars(r).items() if not k.startswith("_")} for r in rows), key=lambda r: r["id"])


async def test_rows_are_those_a_filter_returns_and_missing_ids_are_left_out(clean_db, factory):
    author = await factory.user()
    articles = [
        await published(author, clean_db, f"Allotment {i}", "beans and leeks", tags=["garden"]) for i in range(3)
    ]
    ids = {a.id for a in articles}
    loaded = await by_pk(Article, ids | {10**9})
    assert _columns(loaded) == _columns(await Article.filter(pk__in=ids))
    assert {r.id for r in loaded} == ids and all(r._saved_in_db and not r._partial for r in loaded)
    assert [r.id for r in await by_pk(User, [str(author.id)])] == [author.id]  # "5" as a filter takes it
    assert await by_pk(User, []) == []


async def test_rows_are_read_on_the_transactions_connection(clean_db, factory):
    author = await factory.user()
    async with in_transaction():
        await User.filter(id=author.id).update(display_name="Renamed inside")
        (inside,) = await by_pk(User, [author.id])
        assert inside.display_name == "Renamed inside"  # the uncommitted write: same connection
