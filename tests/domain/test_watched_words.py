"""Watched words as pure functions: CJK in running text, width and case variants, spacing tricks,
word boundaries for Latin words, link domains, and each action."""

from __future__ import annotations

import pytest

from api.domain.moderation.watched import CENSOR_MARK, Rule, link_domains, normalise, screen, word_pattern


@pytest.mark.parametrize(
    "word, text",
    [
        ("赌博", "这里有赌博网站"),  # CJK has no word boundaries
        ("赌博", "这里有赌 博网站"),  # spacing trick
        ("赌博", "这里有赌.博网站"),
        ("casino", "Best CASINO here"),
        ("casino", "ｃａｓｉｎｏ"),  # full width
        ("casino", "c.a.s.i.n.o bonus"),
        ("casino", "c a s i n o"),
        ("free money", "get FREE   money now"),
        ("viagra", "vi\u200bagra"),  # zero-width space inside
    ],
)
def test_words_are_found_however_they_are_dressed(word, text):
    assert word_pattern(word).search(normalise(text))


@pytest.mark.parametrize(
    "word, text",
    [
        ("ass", "a classy class"),
        ("casino", "casinos"),  # a whole word, not a prefix of another
        ("赌博", "赌场"),
    ],
)
def test_latin_words_stand_alone(word, text):
    assert not word_pattern(word).search(normalise(text))


def test_link_domains_and_subdomains():
    text = "see https://spam.example.com/x and www.other.org and http://EXAMPLE.com"
    assert link_domains(text) == ["spam.example.com", "other.org", "example.com"]


def test_each_action():
    rules = [
        Rule("WORD", "赌博", "BLOCK"),
        Rule("WORD", "darn", "CENSOR"),
        Rule("WORD", "crypto", "REQUIRE_APPROVAL"),
        Rule("WORD", "giveaway", "FLAG"),
        Rule("LINK", "spam.test", "REQUIRE_APPROVAL"),
    ]
    result = screen({"title": "Darn it", "body": "赌 博 and a crypto giveaway at https://x.spam.test/"}, rules)
    assert result.blocked == [("body", "赌博")]
    assert result.censored == {"title": f"{CENSOR_MARK * 4} it"}
    assert result.held == ["Contains “crypto”.", "Contains a link to spam.test."]
    assert result.flagged == ["Contains “giveaway”."]


def test_censoring_keeps_the_rest_of_the_text_as_written():
    result = screen({"body": "Ｄａｒｎ! You darn thing."}, [Rule("WORD", "darn", "CENSOR")])
    assert result.censored["body"] == f"{CENSOR_MARK * 4}! You {CENSOR_MARK * 4} thing."
