"""Vocabularies as data: the style-association table the prompt compiler imports, and the word lists."""

from __future__ import annotations

import pytest

from shotcraft.lint.vocab import Association, associations_for, compile_terms, style_associations, vocabulary, vocabulary_names


def test_style_associations_contain_the_seed_examples() -> None:
    table = style_associations()
    assert all(isinstance(a, Association) for a in table)
    by_trigger = {a.trigger: a for a in table}
    assert "rain" in by_trigger["neo-noir"].negative
    assert "double door" in by_trigger["open door"].negative
    assert "neon" in by_trigger["cyberpunk"].negative
    for association in table:
        assert association.negative and association.unwanted and association.covered_by
        assert association.matches(association.trigger), association.trigger


def test_style_associations_is_a_fresh_list() -> None:
    table = style_associations()
    table.clear()
    assert style_associations()


def test_associations_for_text() -> None:
    found = [a.trigger for a in associations_for("A Neo Noir night; Jack opens the door")]
    assert found[0] == "neo-noir" and "open door" in found
    assert associations_for("a quiet bakery kitchen before dawn") == []


def test_coverage_by_prohibitions() -> None:
    neo_noir = next(a for a in style_associations() if a.trigger == "neo-noir")
    assert neo_noir.covered("rain, double doors")
    assert neo_noir.covered("falling raindrops")
    assert not neo_noir.covered("crowd, watermark, terrain")


@pytest.mark.parametrize("name", vocabulary_names())
def test_every_vocabulary_term_matches_itself(name: str) -> None:
    vocab = vocabulary(name)
    assert vocab.source and vocab.terms
    for term in vocab.terms:
        sample = term.replace("*", "").replace("...", "quietly")
        assert vocab.find(sample), f"{name}: {term!r} does not match {sample!r}"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("mechanical", "Jack searches his coat pockets for his keys", "searches his coat pockets"),
        ("mechanical", "she is typing a message", "typing"),
        ("mechanical", "the camera sweeps past", None),
        ("interaction", "Lucas talks to Jack", "talks to"),
        ("interaction", "the camera slowly pulls away", None),
        ("contact", "they kiss under the lamp", "kiss"),
        ("contact", "their hands touch", "hands touch"),
        ("reflective", "rain-streaked windows", "windows"),
        ("oversharp", "4K, ultra-detailed", "4K"),
        ("sequence_shot", "a oner through the house", "oner"),
        ("timing_trigger", "and suddenly freezes", "suddenly"),
        # words that only look like the action (false positives once seen)
        ("contact", "a huge oak door", None),
        ("mechanical", "rain on the walkway", None),
        ("mechanical", "a knitted grey scarf", None),
        ("mechanical", "coat with patch pockets", None),
        ("mechanical", "short hair brushed back", None),
    ],
)
def test_vocabulary_detection(name: str, text: str, expected: str | None) -> None:
    assert vocabulary(name).find(text) == expected


def test_terms_match_on_word_boundaries() -> None:
    pattern = compile_terms(("rain", "text"))
    assert pattern.search("no rain tonight")
    assert not pattern.search("terrain and texture")
    assert not pattern.search("a brain")
