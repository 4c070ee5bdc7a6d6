"""Member names that cannot impersonate.

- Usernames are NFKC-normalised (fullwidth `ａｄｍｉｎ` is `admin`) and lose invisible and bidi
  characters; each has a confusable *skeleton* (Unicode TR39: `аdmin` with a Cyrillic а and
  `admin` share one), stored in a unique column, so no one registers a look-alike of an existing
  member's name.
- Display names lose bidi controls (which reorder the text around them: U+202E turns
  "gnp.exe" around) and invisible characters, and are one line of single spaces.

The confusables table is the Unicode one shipped by `confusable-homoglyphs`. That package keeps
each mapping in both directions, so the direction (source → prototype) is recovered here: a
character listed with exactly one look-alike maps to it, unless that look-alike has others
(then it is the prototype), or the two only have each other (then both map to the smaller).
"""

from __future__ import annotations

import functools
import unicodedata

# Bidi embedding, override and isolate controls, and the implicit marks (LRM, RLM, ALM).
BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
# Characters that draw nothing (Unicode's Default_Ignorable_Code_Point, less the variation
# selectors FE00-FE0F that choose emoji or text style): zero-width space and joiners, word
# joiner, invisible operators, soft hyphen, Hangul fillers, tag characters, BOM...
INVISIBLE = frozenset(
    [
        0x00AD,
        0x034F,
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        *range(0x180B, 0x1810),
        *range(0x200B, 0x200E),
        *range(0x2060, 0x2066),
        *range(0x206A, 0x2070),
        0x3164,
        0xFEFF,
        0xFFA0,
        *range(0xFFF0, 0xFFF9),
        *range(0x1BCA0, 0x1BCA4),
        *range(0x1D173, 0x1D17B),
        *range(0xE0000, 0xE0100),
        *range(0xE01F0, 0xE1000),
    ]
)
ZWNJ, ZWJ = "\u200c", "\u200d"
_LATIN_LIKE = ("LATIN", "GREEK", "CYRILLIC", "COMMON", "INHERITED")


def _script(char: str) -> str:
    from confusable_homoglyphs import categories

    alias: str = categories.alias(char)
    return alias


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk") or char == "\ufe0f" or 0x1F000 <= ord(char) <= 0x1FAFF


def _is_joining_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM" and _script(char) not in _LATIN_LIKE


def _joiner_kept(text: str, index: int) -> bool:
    """ZWJ inside an emoji sequence (👨‍👩‍👧), ZWNJ/ZWJ between letters of scripts that need them
    (Persian می‌خواهم, Indic conjuncts) are part of the text; anywhere else they only hide."""
    if index == 0 or index == len(text) - 1:
        return False
    before, after = text[index - 1], text[index + 1]
    if text[index] == ZWJ and _is_emoji(before) and _is_emoji(after):
        return True
    return _is_joining_letter(before) and _is_joining_letter(after)


def strip_hidden(text: str, *, keep_joiners: bool = False) -> str:
    """`text` without bidi controls and invisible characters (joiners kept where they join)."""
    out = []
    for index, char in enumerate(text):
        code = ord(char)
        if code in BIDI_CONTROLS:
            continue
        if code in INVISIBLE and not (keep_joiners and char in (ZWJ, ZWNJ) and _joiner_kept(text, index)):
            continue
        out.append(char)
    return "".join(out)


def clean_display_name(name: str) -> str:
    """NFC, no bidi controls or invisible characters, no control characters, single spaces."""
    text = strip_hidden(unicodedata.normalize("NFC", name), keep_joiners=True)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(text.split())


def normalise_username(username: str) -> str:
    """The username as stored: NFKC, without hidden characters, trimmed."""
    return unicodedata.normalize("NFKC", strip_hidden(username)).strip()


@functools.cache
def _prototypes() -> dict[str, str]:
    from confusable_homoglyphs.confusables import confusables_data

    def clean(value: str) -> str:
        return value.strip("\u200e\u200f")  # the data wraps right-to-left characters in LRMs

    pairs = {clean(key): [clean(entry["c"]) for entry in entries] for key, entries in confusables_data.items()}
    table: dict[str, str] = {}
    for char, looks in pairs.items():
        if len(char) != 1 or len(looks) != 1 or not looks[0]:
            continue  # a prototype (several characters look like it) or a sequence
        target = looks[0]
        if len(target) == 1 and pairs.get(target) == [char]:
            target = min(char, target)  # only each other: one representative for both
        if target != char:
            table[char] = target
    return table


def skeleton(username: str) -> str:
    """TR39 skeleton of a username, case-insensitive: equal for names that look alike."""
    text = unicodedata.normalize("NFD", normalise_username(username).casefold())
    table = _prototypes()
    return unicodedata.normalize("NFD", "".join(table.get(char, char) for char in text))
