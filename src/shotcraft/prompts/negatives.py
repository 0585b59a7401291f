"""Negative terms for a shot, each with the plan field it came from.

Sources, in this order (the first source of a term wins when it repeats):

1. ``charters.prohibitions``: the film's visual prohibitions, always;
2. ``brief.prohibition``: the shot's own, always, split at commas and
   semicolons with a leading "no" / "not" / "without" / "never" dropped
   (a negative prompt already means "not"; CLIP embeds "no rain" close to
   "rain", so the word only adds noise);
3. ``texture.*``: what the texture charter rules out, as the seed words it
   ("too much sharpness: a video-game render", plastic skin);
4. ``negative-directing``: the linter's style-association table
   (:func:`shotcraft.lint.vocab.style_associations`, "neo-noir" -> rain),
   ONLY when ``charters.negative_directing`` is true, and only for style
   words the positive prompts actually contain: a word the model never reads
   cannot drag anything in.

Every term carries its source, so the CLI and the settings log show why a
term is there: nothing is added silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shotcraft.plan.schema import Film, Shot
from shotcraft.prompts.ingredients import one_line

_NEGATION = re.compile(r"^(?:no|not|without|never|avoid)\s+", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,;]")


@dataclass(frozen=True)
class NegativeTerm:
    term: str
    source: str  # "charters.prohibitions", "brief.prohibition", "texture.sharpness", "negative-directing: neo-noir"


def split_terms(text: str) -> list[str]:
    """'no falling rain, no neon signs' -> ['falling rain', 'neon signs']."""
    terms = []
    for part in _SEPARATORS.split(text):
        term = one_line(_NEGATION.sub("", one_line(part) or ""))
        if term:
            terms.append(term)
    return terms


def negative_terms(film: Film, shot: Shot, positive_text: str) -> tuple[NegativeTerm, ...]:
    """The shot's negative terms in order, without repeats (case-insensitive)."""
    # Imported here: importing shotcraft.lint runs its rules, and a rule may one day use this stage.
    from shotcraft.lint.vocab import style_associations

    candidates: list[NegativeTerm] = []
    for prohibition in film.charters.prohibitions:
        candidates.extend(NegativeTerm(term, "charters.prohibitions") for term in split_terms(prohibition))
    if shot.brief.prohibition:
        candidates.extend(NegativeTerm(term, "brief.prohibition") for term in split_terms(shot.brief.prohibition))
    candidates.extend(_texture_terms(film, shot))
    if film.charters.negative_directing:
        for association in style_associations():
            if association.matches(positive_text):
                source = f"negative-directing: {association.trigger} -> {association.unwanted}"
                candidates.extend(NegativeTerm(term, source) for term in split_terms(association.negative))
    seen: set[str] = set()
    unique = []
    for candidate in candidates:
        key = candidate.term.casefold()
        if key not in seen:  # membership only; order comes from the list
            seen.add(key)
            unique.append(candidate)
    return tuple(unique)


def _texture_terms(film: Film, shot: Shot) -> list[NegativeTerm]:
    texture = film.charters.texture
    terms = []
    if texture.sharpness in ("soft", "natural"):
        terms += [NegativeTerm("oversharpened", "texture.sharpness"), NegativeTerm("video-game render", "texture.sharpness")]
    if texture.skin and shot.characters:
        terms += [NegativeTerm("plastic skin", "texture.skin"), NegativeTerm("airbrushed skin", "texture.skin")]
    return terms


def conflicts(terms: tuple[NegativeTerm, ...], positive_text: str) -> list[str]:
    """Negative terms that the positive prompt also says (the model hears both)."""
    from shotcraft.lint.vocab import compile_terms  # see negative_terms

    found = []
    for term in terms:
        if term.source.startswith("texture.") or not any(char.isalnum() for char in term.term):
            continue
        if compile_terms((term.term,)).search(positive_text):
            found.append(term.term)
    return found
