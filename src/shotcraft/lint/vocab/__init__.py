"""The linter's vocabularies, kept as data (``*.yaml`` beside this module).

Two kinds of data live here:

* the style-association table (``associations.yaml``): a genre or style word
  that drags an unwanted element into a generation, and the negative term
  that keeps it out ("neo-noir" -> rain). The prompt compiler reads it
  through :func:`style_associations` when ``charters.negative_directing`` is
  on; rule SC303 reads it to warn when no prohibition covers the element.
* word lists (``words.yaml``) the craft rules look for in shot text:
  interactions, physical contact, mechanical actions, timing triggers...

Matching is case-insensitive on word boundaries. In a term, ``word*`` matches
any ending and ``...`` up to three words in between.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

__all__ = [
    "Association",
    "Vocabulary",
    "associations_for",
    "compile_terms",
    "related_pattern",
    "term_forms",
    "style_associations",
    "vocabulary",
    "vocabulary_names",
]


@dataclass(frozen=True)
class Association:
    """A style word and the unwanted element it drags in, with the negative term that prevents it."""

    trigger: str  # "neo-noir"
    aliases: tuple[str, ...]  # other spellings: "neo noir", "film noir"
    unwanted: str  # "rain"
    negative: str  # "rain, falling rain, raindrops, puddles": ready for a negative prompt
    covered_by: tuple[str, ...]  # prohibition words meaning the director already excluded it

    @property
    def words(self) -> tuple[str, ...]:
        """Every spelling that triggers this association."""
        return (self.trigger,) + self.aliases

    def matches(self, text: str) -> bool:
        """True when ``text`` mentions the style word (any spelling)."""
        return _association_pattern(self).search(text) is not None

    def covered(self, prohibitions: str) -> bool:
        """True when ``prohibitions`` (joined prohibition text) already excludes the unwanted element."""
        return compile_terms(self.covered_by).search(prohibitions) is not None


@dataclass(frozen=True)
class Vocabulary:
    """A named word list with the seed lesson it comes from."""

    name: str
    source: str
    terms: tuple[str, ...]
    extra: tuple[tuple[str, Any], ...] = ()

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return compile_terms(self.terms)

    def find(self, text: str) -> str | None:
        """The first term found in ``text`` (as written there), or None."""
        match = self.pattern.search(text)
        return match.group(0) if match else None

    def find_all(self, text: str) -> list[str]:
        return [m.group(0) for m in self.pattern.finditer(text)]

    def option(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


def _load_yaml(name: str) -> Any:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return YAML(typ="safe", pure=True).load(text)


def style_associations() -> list[Association]:
    """The genre/style word -> unwanted element -> negative term table, in file order.

    The prompt compiler adds ``association.negative`` to a shot's negative
    prompt when ``association.matches(shot text)`` and negative directing is on.
    """
    return list(_style_associations())


@functools.cache
def _style_associations() -> tuple[Association, ...]:
    rows = _load_yaml("associations.yaml") or []
    return tuple(
        Association(
            trigger=str(row["trigger"]),
            aliases=tuple(str(a) for a in row.get("aliases") or ()),
            unwanted=str(row["unwanted"]),
            negative=str(row["negative"]),
            covered_by=tuple(str(c) for c in row.get("covered_by") or ()),
        )
        for row in rows
    )


def associations_for(text: str) -> list[Association]:
    """The associations whose style word appears in ``text`` (in table order)."""
    return [association for association in style_associations() if association.matches(text)]


@functools.cache
def _vocabularies() -> dict[str, Vocabulary]:
    data = _load_yaml("words.yaml") or {}
    out = {}
    for name, body in data.items():
        extra = tuple((k, v) for k, v in body.items() if k not in ("source", "terms"))
        out[name] = Vocabulary(name, str(body["source"]), tuple(str(t) for t in body["terms"]), extra)
    return out


def vocabulary(name: str) -> Vocabulary:
    """One named word list ('interaction', 'contact', 'mechanical', ...)."""
    return _vocabularies()[name]


def vocabulary_names() -> list[str]:
    return sorted(_vocabularies())


def _term_regex(term: str) -> str:
    parts = []
    for word in term.split():
        if word == "...":
            parts.append(r"(?:[\w'-]+\W+){0,3}?")
            continue
        stem = word.endswith("*")
        body = re.escape(word.rstrip("*")).replace(r"\-", "[- ]?").replace(r"\ ", r"\s+")
        body = body.replace(r"\*", r"\w*")
        parts.append(body + (r"[\w'-]*" if stem else "") + r"\W*")
    regex = "".join(parts)
    regex = regex[: -len(r"\W*")] if regex.endswith(r"\W*") else regex
    return regex


@functools.cache
def compile_terms(terms: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive pattern for all terms, on word boundaries."""
    if not terms:
        return re.compile(r"(?!x)x")
    alternatives = sorted((_term_regex(t) for t in terms), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


@functools.cache
def _association_pattern(association: Association) -> re.Pattern[str]:
    return compile_terms(association.words)


# --- synonyms and inflections (synonyms.yaml) ---------------------------------------------


def term_forms(term: str) -> tuple[str, ...]:
    """A term and the inflections of its last word: 'spaceship' -> spaceships; 'burn' -> burning, burned.

    Written out explicitly (not a stemmer): a stem like 'fir' would also match 'firs'.
    """
    words = term.split()
    if not words:
        return ()
    head, last = words[:-1], words[-1].lower()
    forms = {last, last + "s", last + "es", last + "ing", last + "ed"}
    if last.endswith("e"):
        forms |= {last + "d", last[:-1] + "ing"}
    if last.endswith("y") and len(last) > 2:
        forms.add(last[:-1] + "ies")
    if last.endswith("s") and len(last) > 3 and not last.endswith("ss"):
        forms.add(last[:-1])
        if last.endswith("es"):
            forms.add(last[:-2])
    return tuple(sorted(" ".join([*head, form]) for form in forms))


@functools.cache
def _synonym_groups() -> tuple[tuple[str, ...], ...]:
    rows = _load_yaml("synonyms.yaml") or []
    return tuple(tuple(str(word).lower() for word in row) for row in rows)


@functools.cache
def related_pattern(term: str) -> re.Pattern[str]:
    """Matches ``term``, its inflections, and the members of its synonym groups with theirs."""
    key = " ".join(term.lower().split())
    own = set(term_forms(key))
    words = set(own)
    for group in _synonym_groups():
        group_forms = {form for word in group for form in term_forms(word)}
        if own & group_forms:
            words |= group_forms
    return compile_terms(tuple(sorted(words)))
