"""Mail templates: `<locale>/<name>.txt` (first line `Subject: ...`, a blank line, the text) and
`<locale>/<name>.html` (the HTML part's body, wrapped in `<locale>/layout.html`).

Placeholders are `string.Template`'s `$name`. Values are escaped in HTML, except keys ending in
`_html`, which callers build from escaped pieces. A community overrides any file by putting one
of the same name in EMAIL_TEMPLATES_DIR; a locale without the file falls back to English.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from api.domain.mail.links import resolve
from api.settings import LOCALES, Settings

BUILTIN = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=256)
def _read(path: Path, mtime: float) -> Template:  # mtime: an edited override is read again
    return Template(path.read_text(encoding="utf-8"))


def _template(settings: Settings, locale: str, filename: str) -> Template:
    folders = [settings.email_templates_dir, BUILTIN] if settings.email_templates_dir else [BUILTIN]
    for folder in folders:
        for loc in dict.fromkeys((locale, "en")):
            path = folder / loc / filename
            if path.is_file():
                return _read(path, path.stat().st_mtime)
    raise LookupError(f"no mail template {filename!r}")


def locale_of(settings: Settings, locale: str | None) -> str:
    return locale if locale in LOCALES else settings.default_locale


def render(
    settings: Settings, name: str, locale: str, context: dict[str, Any], *, footer_text: str = "", footer_html: str = ""
) -> Rendered:
    """The subject, text and HTML of template `name` in `locale` with `context`."""
    locale = locale_of(settings, locale)
    values = {
        "community_name": "Guildhall",
        **{k: resolve(settings, v) for k, v in context.items() if not k.startswith("$")},
    }
    text_values = {k: str(v) for k, v in values.items()}
    html_values = {k: (str(v) if k.endswith("_html") else html.escape(str(v))) for k, v in values.items()}
    head, _, body = _template(settings, locale, f"{name}.txt").substitute(text_values).partition("\n\n")
    if not head.startswith("Subject:"):
        raise LookupError(f"mail template {name}.txt must start with a Subject: line")
    subject = " ".join(head[len("Subject:") :].split())
    text = body.strip() + "\n" + (f"\n-- \n{footer_text}\n" if footer_text else "")
    body_html = _template(settings, locale, f"{name}.html").substitute(html_values)
    page = _template(settings, locale, "layout.html").substitute(
        {**html_values, "subject": html.escape(subject), "body_html": body_html, "footer_html": footer_html}
    )
    return Rendered(subject=subject, text=text, html=page)
