"""Watched words: how a word or phrase, or a linked domain, is found in member text.

Matching is done on a normalised copy of the text: NFKC (full-width `ａｄｍｉｎ` is `admin`, and
compatibility forms fold), case-folded, invisible characters (zero-width, bidi controls) removed.
A word of Latin letters or digits must stand alone (`ass` does not match `class`); CJK text has no
spaces between words, so a pattern of CJK characters matches anywhere (`赌博` in `这里有赌博网站`).
Between the characters of a pattern the text may hold spaces or punctuation used to dodge
filters (`赌 博`, `c.a.s.i.n.o`, `v-i-a-g-r-a`).

Each rule has an action (Discourse's watched words): BLOCK refuses the text with a field error,
CENSOR replaces the match in what is shown, REQUIRE_APPROVAL holds the content for a moderator,
FLAG publishes it and puts it in the review queue. LINK rules match the domains of links.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlparse

from api.text import URL_RE

# Zero-width and bidirectional formatting characters: invisible, used to split words.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
# What may separate the letters of a dodged word: spaces and common punctuation.
_GAP = r"[\s.\-_*·•'\"`~|/\\,，。、·]*"
_WORDLIKE = re.compile(r"[0-9a-z]")
CENSOR_MARK = "■"


def normalise(text: str) -> str:
    """NFKC, case-folded, without invisible characters."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _is_cjk(char: str) -> bool:
    name = unicodedata.name(char, "")
    return any(script in name for script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPH"))


def word_pattern(word: str) -> re.Pattern[str]:
    """A regex finding `word` in normalised text (see the module's docstring)."""
    chars = [c for c in normalise(word) if not c.isspace()]
    if not chars:
        raise ValueError("empty pattern")
    body = _GAP.join(re.escape(c) for c in chars)
    start = r"(?<![0-9a-z])" if _WORDLIKE.match(chars[0]) else ""
    end = r"(?![0-9a-z])" if _WORDLIKE.match(chars[-1]) else ""
    return re.compile(start + body + end)


def link_domains(text: str) -> list[str]:
    """Lower-cased host names of the links in `text` (without a leading `www.`)."""
    domains = []
    for match in URL_RE.findall(normalise(text)):
        url = match if "://" in match else "http://" + match
        host = (urlparse(url).hostname or "").removeprefix("www.")
        if host:
            domains.append(host)
    return domains


@dataclass(frozen=True)
class Rule:
    """A watched word (`kind` WORD) or linked domain (`kind` LINK, `*` for any link)."""

    kind: str  # WORD | LINK
    pattern: str
    action: str  # BLOCK | CENSOR | REQUIRE_APPROVAL | FLAG


@dataclass
class Screening:
    """What the rules found in some texts."""

    blocked: list[tuple[str, str]] = field(default_factory=list)  # (field, pattern)
    held: list[str] = field(default_factory=list)  # reasons
    flagged: list[str] = field(default_factory=list)  # reasons
    censored: dict[str, str] = field(default_factory=dict)  # field -> text with matches replaced


def _censor(text: str, pattern: re.Pattern[str]) -> str:
    """Replace every match of `pattern` (found in the normalised text) in the original text.
    Normalisation may change lengths (NFKC), so matches are mapped back character by character."""
    normalised, origin = [], []
    for index, char in enumerate(text):
        for out in _INVISIBLE.sub("", unicodedata.normalize("NFKC", char)).casefold():
            normalised.append(out)
            origin.append(index)
    flat = "".join(normalised)
    spans = [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(flat) if m.end() > m.start()]
    for start, end in reversed(spans):
        text = text[:start] + CENSOR_MARK * (end - start) + text[end:]
    return text


def screen(texts: dict[str, str], rules: list[Rule]) -> Screening:
    """Apply `rules` to each field's text."""
    found = Screening()
    for name, text in texts.items():
        if not text:
            continue
        normalised = normalise(text)
        domains: list[str] | None = None
        for rule in rules:
            if rule.kind == "LINK":
                domains = link_domains(text) if domains is None else domains
                hit = (
                    bool(domains)
                    if rule.pattern == "*"
                    else any(d == rule.pattern or d.endswith("." + rule.pattern) for d in domains)
                )
                label = "a link" if rule.pattern == "*" else f"a link to {rule.pattern}"
                pattern = None
            else:
                pattern = word_pattern(rule.pattern)
                hit = pattern.search(normalised) is not None
                label = f"“{rule.pattern}”"
            if not hit:
                continue
            if rule.action == "BLOCK":
                found.blocked.append((name, rule.pattern))
            elif rule.action == "REQUIRE_APPROVAL":
                found.held.append(f"Contains {label}.")
            elif rule.action == "FLAG":
                found.flagged.append(f"Contains {label}.")
            elif rule.action == "CENSOR" and pattern is not None:
                found.censored[name] = _censor(found.censored.get(name, text), pattern)
    return found
