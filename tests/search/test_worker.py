"""The outbox worker and rebuilds against real Meilisearch servers: recovery after an outage,
two workers on one database, per-document claims, and a rebuild while search answers."""

from __future__ import annotations

import asyncio
from collections import Counter

from api.domain.kb.articles import ArticleInput, update_article
from api.meili_process import MeiliProcess, free_port
from api.models.kb import Article
from api.models.search import SearchOutbox
from api.timeutil import now
from search import admin as search_admin
from search import rebuild as rebuild_module
from search import worker
from search.client import call, get_client
from search.indexes import apply_settings
from search.outbox import enqueue
from search.query import Scope, SearchFilter, search
from tests.search.helpers import published, sync

ADMIN_SCOPE = Scope(signed_in=True, admin=True, role="ADMIN")


async def found(settings, text: str) -> list[int]:
    return [h.id for h in (await search(settings, ADMIN_SCOPE, text, kind_names=["article"])).hits]


async def test_outbox_recovers_after_meilisearch_restart(factory, clean_db, tmp_root):
    process = MeiliProcess(
        tmp_root / f"meili-recovery-{free_port()}", "recovery-master-key-0123456789", port=free_port()
    ).start()
    settings = clean_db.replace(
        meili_url=process.url, meili_master_key=process.master_key, meili_index_prefix="recovery"
    )
    try:
        await apply_settings(settings)
        author = await factory.user(role="ADMIN")
        process.stop()
        # Writes succeed while search is down; their changes wait in the outbox.
        article = await published(author, settings, "Outage notes", "written while search was down, by kayak")
        # Admin settings too: stored now, applied once Meilisearch answers.
        assert await search_admin.set_synonyms(author, [["kayak", "canoe"]], settings) == [["kayak", "canoe"]]
        assert await worker.drain(settings) > 0
        rows = await SearchOutbox.filter(kind="article", object_id=article.id)
        assert rows and all(r.attempts == 1 and "ConnectionError" in r.last_error for r in rows)
        status = await search_admin.status(author)
        assert status.failing >= 1 and "ConnectionError" in (status.last_error or "")
        assert await worker.process_batch(settings) == 0  # backing off: nothing is due yet
        assert (await search_admin.status(author)).synonyms_applied is False
        process.start()
        # The back-off is over (set, not slept: tests never wait on the clock).
        await SearchOutbox.all().update(next_attempt_at=now())
        assert await worker.outbox_job(settings) is True  # the periodic job of every app process
        assert await SearchOutbox.all().count() == 0
        assert await found(settings, "outage") == [article.id]
        assert await found(settings, "canoe") == [article.id]
        assert (await search_admin.status(author)).synonyms_applied is True
    finally:
        process.stop()


async def test_claims_are_exclusive_per_document(app_settings):
    await enqueue("article", [1, 1, 2])
    first = await worker.claim(app_settings, limit=1)
    assert [(c.object_id, c.id) for c in first] == [(1, 1)]
    # The second row of document 1 waits while another worker holds document 1.
    second = await worker.claim(app_settings, limit=5)
    assert [c.object_id for c in second] == [2]
    assert await worker.claim(app_settings, limit=5) == []


async def test_two_workers_push_each_change_once(app_settings, factory, monkeypatch):
    author = await factory.user()
    articles = [await published(author, app_settings, f"Worker article {i}", "shared outbox") for i in range(40)]
    await SearchOutbox.all().delete()
    await enqueue("article", [a.id for a in articles])
    pushed: Counter[int] = Counter()
    original = worker._push_kind

    async def recording(settings, kind_name, object_ids):
        await original(settings, kind_name, object_ids)
        pushed.update(object_ids)

    monkeypatch.setattr(worker, "_push_kind", recording)
    small = app_settings.replace(search_batch_size=7)
    handled = await asyncio.gather(worker.drain(small), worker.drain(small))
    assert sum(handled) == 40
    assert pushed == Counter({a.id: 1 for a in articles})
    assert await SearchOutbox.all().count() == 0
    hits = await search(app_settings, ADMIN_SCOPE, "shared outbox", kind_names=["article"], limit=100)
    assert sorted(h.id for h in hits.hits) == sorted(a.id for a in articles)


async def test_rebuild_swaps_fresh_indexes_while_search_answers(app_settings, factory, monkeypatch):
    author = await factory.user()
    kept = [await published(author, app_settings, f"Library guide {i}", "opening hours") for i in range(5)]
    gone = await published(author, app_settings, "Library ghost", "opening hours")
    await sync(app_settings)
    # Drift the index from the database behind the outbox's back: the rebuild must repair it.
    await Article.filter(id=gone.id).delete()
    original_fill = rebuild_module._fill
    during: list[list[int]] = []

    async def fill_then_change(settings, uid, kind_name):
        count = await original_fill(settings, uid, kind_name)  # read the old title
        if kind_name == "article":
            during.append(await found(settings, "opening hours"))  # the live index still answers
            await update_article(author, kept[0].id, ArticleInput(title="Library handbook"), settings=settings)
            await worker.drain(settings)  # pushed to the live index, parked for the new one
        return count

    monkeypatch.setattr(rebuild_module, "_fill", fill_then_change)
    report = await rebuild_module.rebuild(app_settings)
    assert report.documents["article"] == 5
    assert sorted(during[0]) == sorted([a.id for a in kept] + [gone.id])
    assert sorted(await found(app_settings, "opening hours")) == sorted(a.id for a in kept)
    assert await found(app_settings, "handbook") == [kept[0].id]
    assert await SearchOutbox.all().count() == 0


async def test_concurrent_searches_never_fail_during_rebuild(app_settings, factory, cpu_hog, monkeypatch):
    """Searches in a tight loop through three rebuilds while every core is busy. Overlap does not
    depend on timing: every task a rebuild waits for (fill, swap, drop of the old index) is
    awaited with searches sent between its enqueueing and its observed end, and two more
    searchers run all along, each search on a worker thread as the API sends them."""
    author = await factory.user()
    for i in range(20):
        await published(author, app_settings, f"Harbour notice {i}", "ferry timetable")
    await sync(app_settings)
    counts: list[int] = []
    during: Counter[str] = Counter()
    original_wait = rebuild_module.wait
    client = get_client(app_settings)

    async def wait_while_searching(settings, task_uid):
        while True:
            counts.append(len(await found(settings, "ferry")))  # an error fails the test
            task = await call(client.get_task, task_uid)
            during[task.type] += 1
            if task.status not in ("enqueued", "processing"):
                break
        await original_wait(settings, task_uid)

    monkeypatch.setattr(rebuild_module, "wait", wait_while_searching)
    done = asyncio.Event()

    async def searcher() -> None:
        while not done.is_set():
            counts.append(len(await found(app_settings, "ferry")))

    searchers = [asyncio.create_task(searcher()) for _ in range(2)]
    try:
        for _ in range(3):
            report = await rebuild_module.rebuild(app_settings, kind_names=["article"])
            assert report.documents == {"article": 20}
    finally:
        done.set()
        results = await asyncio.gather(*searchers, return_exceptions=True)
    assert [r for r in results if r is not None] == []
    assert set(counts) == {20}
    assert during["indexSwap"] >= 3 and during["indexDeletion"] >= 3
    assert sorted(await found(app_settings, "ferry")) == sorted(await Article.all().values_list("id", flat=True))


def test_each_thread_calls_meilisearch_on_a_client_of_its_own(app_settings):
    """The SDK keeps request headers in one dict per client; shared across threads, a search
    could go out without its Content-Type while another thread deletes an index."""
    import threading

    client = get_client(app_settings)
    seen: dict[str, object] = {}

    def record(name: str) -> None:
        seen[name] = client.own()
        assert client.own() is seen[name]

    threads = [threading.Thread(target=record, args=(f"t{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in seen.values()}) == 3
    assert client.own() not in seen.values()


def test_the_sdk_calls_go_through_one_session_per_thread_on_fresh_connections(app_settings, monkeypatch):
    """`requests.post` & co. build a session per call (about 0.7 ms of CPU per search); the
    client's own calls go through its session instead, each on a new connection (search/client.py)."""
    import requests

    client = get_client(app_settings).own()
    built = []
    init = requests.Session.__init__

    def counted(self, *args, **kwargs):
        built.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "__init__", counted)
    assert client.health() == {"status": "available"}  # GET
    assert client.multi_search([])["results"] == []  # POST with a body
    assert built == []
    assert client.http.headers["Connection"] == "close"


async def test_member_profile_changes_are_enqueued(factory, app_settings):
    from api.domain.accounts import ProfileInput, update_profile

    member = await factory.user("quietmember")
    await sync(app_settings)
    await update_profile(member, ProfileInput(bio="Beekeeper and choir singer"), settings=app_settings)
    assert await SearchOutbox.filter(kind="member", object_id=member.id).count() == 1
    await sync(app_settings)
    hits = await search(app_settings, Scope(), "beekeeper", kind_names=["member"])
    assert [h.id for h in hits.hits] == [member.id]


async def test_worker_configures_indexes_missing_at_start_up(app_settings, factory):
    from search.client import call, get_client
    from search.indexes import index_uid
    from search.registry import kinds

    settings = app_settings.replace(meili_index_prefix=f"{app_settings.meili_index_prefix}late")
    client = get_client(settings)
    try:
        author = await factory.user()
        article = await published(author, settings, "Late start", "configured by the worker", tags=["late"])
        assert await worker.outbox_job(settings) is True  # settings first, then the push
        uid = index_uid(settings, kinds()["article"])
        assert "tags" in await call(client.index(uid).get_filterable_attributes)
        hits = await search(
            settings, ADMIN_SCOPE, "configured", kind_names=["article"], flt=SearchFilter(tags=("late",))
        )
        assert [h.id for h in hits.hits] == [article.id]
    finally:
        for kind in kinds().values():
            await call(client.delete_index, index_uid(settings, kind))
