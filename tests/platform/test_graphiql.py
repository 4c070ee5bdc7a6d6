"""GraphiQL from our own origin: the page and its files, under a Content-Security-Policy that
allows nothing else; the files are the ones the set-up and the Docker image install. (The
browser test, in chromium with other hosts blocked, is in `test_served.py`.)"""

from __future__ import annotations

import re

from api.graphiql import CSP, GRAPHIQL_VERSION
from api.settings import ROOT


async def test_graphiql_assets_are_ours_and_nothing_else_is_served(client):
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    assert "https://" not in page.text and "<script>" not in page.text  # no CDN, no inline script
    assert f"/graphiql/{GRAPHIQL_VERSION}/graphiql.min.js" in page.text
    script = await client.get(f"/graphiql/{GRAPHIQL_VERSION}/graphiql.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "immutable" in script.headers["cache-control"]
    ours = await client.get(f"/graphiql/{GRAPHIQL_VERSION}/guildhall.js")
    assert ours.status_code == 200 and "createFetcher" in ours.text and ours.headers["cache-control"] == "no-cache"
    for path in (
        f"/graphiql/{GRAPHIQL_VERSION}/LICENSE.react",
        f"/graphiql/{GRAPHIQL_VERSION}/.complete",
        f"/graphiql/{GRAPHIQL_VERSION}/..%2Fsecret",
        "/graphiql/9.9.9/graphiql.min.js",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_without_the_files_the_page_says_how_to_install_them(client, monkeypatch, tmp_path):
    monkeypatch.setenv("GUILDHALL_CACHE", str(tmp_path))
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "scripts/install-graphiql.sh" in page.text
    assert page.headers["content-security-policy"] == CSP
    assert (await client.get(f"/graphiql/{GRAPHIQL_VERSION}/graphiql.min.js")).status_code == 404


def test_the_setup_and_the_image_install_this_version():
    script = (ROOT / "scripts" / "install-graphiql.sh").read_text(encoding="utf-8")
    assert re.search(rf"^VERSION={re.escape(GRAPHIQL_VERSION)}\b", script, re.M)
    assert "scripts/install-graphiql.sh" in (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY scripts/install-graphiql.sh" in dockerfile
    target = re.search(r"GUILDHALL_CACHE=(/\S+) install-graphiql\.sh", dockerfile)[1]
    copied = re.search(rf"COPY --from=graphiql {re.escape(target)} (\S+)", dockerfile)[1]
    assert re.search(rf"ENV .*GUILDHALL_CACHE={re.escape(copied)}\b", dockerfile)
