"""GraphiQL served by Guildhall itself, so it works without internet access.

`scripts/install-graphiql.sh` (run by `make setup`, and by the Docker build) puts pinned
GraphiQL, React and explorer-plugin files from the npm registry in
`~/.cache/guildhall/graphiql-<version>/` ($GUILDHALL_CACHE); `/graphiql/<version>/<file>`
serves them with our start-up script, and `GET /graphql` from a browser gets the page.
The page's Content-Security-Policy allows scripts, styles and connections to this origin only.
"""

from __future__ import annotations

import html
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.meili_process import cache_dir

GRAPHIQL_VERSION = "4.1.2"  # keep in step with scripts/install-graphiql.sh
ASSETS = {  # served name -> media type; nothing else is ever served from the folder
    "react.production.min.js": "text/javascript",
    "react-dom.production.min.js": "text/javascript",
    "graphiql.min.js": "text/javascript",
    "graphiql.min.css": "text/css",
    "plugin-explorer.umd.js": "text/javascript",
    "plugin-explorer.css": "text/css",
}
SCRIPTS = ["react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "plugin-explorer.umd.js"]
STYLES = ["graphiql.min.css", "plugin-explorer.css"]

# Only this origin, for everything; GraphiQL's fonts and icons are data: URLs in its CSS.
# 'self' covers ws(s):// of this host for subscriptions (CSP Level 3).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

START_SCRIPT = """\
// Guildhall's GraphiQL: the endpoint is this page's own URL; WebSocket subscriptions use the
// same path, signed in with the headers of the headers editor (as connection_init payload).
(function () {
  "use strict";
  var endpoint = window.location.origin + window.location.pathname;
  var socket = endpoint.replace(/^http/, "ws");
  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socket });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    plugins: [explorer],
    defaultEditorToolsVisibility: true,
    defaultHeaders: '{\\n  "Authorization": "Bearer <token from login>"\\n}',
    defaultQuery: "# Sign in with the login mutation, put its token in the Headers tab, then run:\\n"
      + "{\\n  viewer {\\n    user {\\n      id\\n      username\\n    }\\n  }\\n}\\n",
  }));
})();
"""
START_STYLE = "html, body, #graphiql { height: 100%; margin: 0; overflow: hidden; }\n"


def assets_dir() -> Path:
    return cache_dir() / f"graphiql-{GRAPHIQL_VERSION}"


def installed() -> bool:
    return (assets_dir() / ".complete").is_file()


def _base(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}/graphiql/{GRAPHIQL_VERSION}"


def page(request: Request) -> Response:
    if not installed():
        message = (
            f"GraphiQL {GRAPHIQL_VERSION} is not installed on this server: run "
            "scripts/install-graphiql.sh (make setup does), or query /graphql with POST."
        )
        return HTMLResponse(
            f"<!doctype html><title>GraphiQL</title><p>{html.escape(message)}</p>",
            status_code=503,
            headers=SECURITY_HEADERS,
        )
    base = html.escape(_base(request))
    styles = "".join(f'<link rel="stylesheet" href="{base}/{name}">' for name in [*STYLES, "guildhall.css"])
    scripts = "".join(f'<script src="{base}/{name}"></script>' for name in [*SCRIPTS, "guildhall.js"])
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Guildhall GraphiQL</title>{styles}</head>"
        f'<body><div id="graphiql">Loading GraphiQL…</div>{scripts}</body></html>'
    )
    return HTMLResponse(body, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


_OWN = {"guildhall.js": (START_SCRIPT, "text/javascript"), "guildhall.css": (START_STYLE, "text/css")}
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable", **SECURITY_HEADERS}


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if request.path_params["version"] != GRAPHIQL_VERSION:
        return PlainTextResponse("Not Found", status_code=404)
    if name in _OWN:  # ours change with Guildhall, not with GraphiQL's version
        text, media_type = _OWN[name]
        return Response(text, media_type=media_type, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})
    if name not in ASSETS or not installed():
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(assets_dir() / name, media_type=ASSETS[name], headers=_IMMUTABLE)


def routes() -> list[Route]:
    return [Route("/graphiql/{version}/{name}", asset, methods=["GET", "HEAD"])]
