"""Markdown bodies: stored as written, rendered to sanitized HTML.

Rendering is CommonMark (+ tables, strikethrough) through markdown-it with raw HTML off, then
nh3 (an allow-list sanitizer) removes anything unsafe that survived: scripts, event handler
attributes, `javascript:` URLs. Links get `rel="nofollow ugc noopener"`. `@username` mentions
become profile links when `mention_url` is given.

Rendering is pure Python and slow on hostile input (a 100 KB body of nested brackets takes
seconds): the app calls `render_async` / `plain_text_async`, which run in a worker process
(`api.offload`, kind "markdown"); `render` and `plain_text` are the synchronous functions
they run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import unescape

import nh3
from markdown_it import MarkdownIt

# `@name` after start or whitespace/punctuation; names as allowed by registration.
MENTION_RE = re.compile(r"(?<![\w@/])@([\w.\-]{2,32})", re.UNICODE)

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "span",
}
_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "span": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


def extract_mentions(markdown: str) -> list[str]:
    """Usernames mentioned with `@name` outside code, in order, without repeats."""
    text = re.sub(r"```.*?```|`[^`]*`", " ", markdown, flags=re.DOTALL)
    return list(dict.fromkeys(m.rstrip(".-") for m in MENTION_RE.findall(text)))


def _link_mentions(html: str, known: set[str], mention_url: Callable[[str], str]) -> str:
    # Only text outside tags and outside <code>/<pre>/<a> is touched.
    out: list[str] = []
    skip_depth = 0
    for part in re.split(r"(<[^>]+>)", html):
        if part.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            tag = name.group(1).lower() if name else ""
            if tag in {"code", "pre", "a"}:
                skip_depth += -1 if part.startswith("</") else 1
            out.append(part)
        elif skip_depth > 0:
            out.append(part)
        else:
            out.append(
                MENTION_RE.sub(
                    lambda m: (
                        f'<a class="mention" href="{mention_url(m.group(1).rstrip(".-"))}">@{m.group(1)}</a>'
                        if m.group(1).rstrip(".-").casefold() in known
                        else m.group(0)
                    ),
                    part,
                )
            )
    return "".join(out)


def render(markdown: str, *, mentions: Iterable[str] = (), mention_url: Callable[[str], str] | None = None) -> str:
    """Sanitized HTML of `markdown`. `mentions` are the usernames that exist (case-insensitive)."""
    html = _md.render(markdown)
    known = {m.casefold() for m in mentions}
    if known and mention_url:
        html = _link_mentions(html, known, mention_url)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def html_text(html: str, limit: int | None = None) -> str:
    """Text of sanitized HTML without tags: what readers see (search documents and excerpts)."""
    text = re.sub(r"\s+", " ", nh3.clean(html, tags=set())).strip()
    text = unescape(text)
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain_text(markdown: str, limit: int | None = None) -> str:
    """Text of the rendered Markdown without tags."""
    return html_text(_md.render(markdown), limit)


async def render_async(
    markdown: str, *, mentions: Iterable[str] = (), mention_url: Callable[[str], str] | None = None
) -> str:
    """`render`, off the event loop. `mention_url` must be a module-level function."""
    from api import offload

    return await offload.run("markdown", render, markdown, mentions=list(mentions), mention_url=mention_url)


async def plain_text_async(markdown: str, limit: int | None = None) -> str:
    """`plain_text`, off the event loop."""
    from api import offload

    return await offload.run("markdown", plain_text, markdown, limit)


# Texts per offloaded job in the list helpers: one job per text spent more time passing jobs
# between processes than extracting text (search rebuilds read 1,000 rows at a time), while
# bounded jobs still let a request's rendering interleave with a long rebuild.
TEXTS_PER_JOB = 50


def _shown_texts(rendered: list[tuple[str, str]], limit: int | None) -> list[str]:
    return [html_text(html, limit) if html else plain_text(body, limit) for html, body in rendered]


async def shown_texts_async(rendered: list[tuple[str, str]], limit: int | None = None) -> list[str]:
    """The text readers see of each (body_html, body) pair: the stored HTML's text (censored by
    watched words, as shown), or the Markdown's when no HTML was stored; off the event loop, in
    jobs of TEXTS_PER_JOB texts spread over the worker processes."""
    import asyncio

    from api import offload

    jobs = [rendered[i : i + TEXTS_PER_JOB] for i in range(0, len(rendered), TEXTS_PER_JOB)]
    parts = await asyncio.gather(*(offload.run("markdown", _shown_texts, job, limit) for job in jobs))
    return [text for part in parts for text in part]


async def plain_texts_async(bodies: list[str], limit: int | None = None) -> list[str]:
    """`plain_text` of each body, off the event loop (in jobs of TEXTS_PER_JOB)."""
    return await shown_texts_async([("", body) for body in bodies], limit)
