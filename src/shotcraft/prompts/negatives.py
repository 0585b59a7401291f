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

A negative never fights the shot: a term that names what the shot itself is
about (its subject, action, beats, end frame or props), directly, as a
plural or inflection, or through a synonym ("fire" against "the city
burning", "spaceships" against "a spaceship hovering"), is dropped for that
shot and reported (:func:`negative_plan`); the linter's SC310 says so too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shotcraft.plan.schema import Film, Shot
from shotcraft.prompts.ingredients import one_line, shows_skin

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


@dataclass(frozen=True)
class DroppedTerm:
    """A negative term left out of one shot because it names what the shot shows."""

    term: str
    source: str
    field: str  # where the shot says it: "brief.subject", "action", "props.spaceship"
    word: str  # the words there that the term names

    def note(self, shot_id: str) -> str:
        return (
            f"shot {shot_id}: negative {self.term!r} ({self.source}) dropped: "
            f"the shot's {self.field} shows {self.word!r}"
        )


@dataclass(frozen=True)
class NegativePlan:
    kept: tuple[NegativeTerm, ...]
    dropped: tuple[DroppedTerm, ...]


def own_content(film: Film, shot: Shot) -> list[tuple[str, str]]:
    """What a shot is about, as (field, text): subject, action, beats, end frame, prompt variants, props."""
    content = []
    if shot.brief.subject:
        content.append(("brief.subject", shot.brief.subject))
    if shot.action:
        content.append(("action", shot.action))
    for index, trigger in enumerate(shot.triggers):
        content.append((f"triggers[{index}].beat", trigger.beat))
    if shot.end_frame is not None and shot.end_frame.subject:
        content.append(("end_frame.subject", shot.end_frame.subject))
    if shot.takes is not None and shot.takes.vary == "prompt":
        content.extend((f"takes.values[{i}]", str(v)) for i, v in enumerate(shot.takes.values) if isinstance(v, str))
    for prop_id in shot.props:
        prop = next((p for p in film.props if p.id == prop_id), None)
        if prop is not None:
            names = [prop.id.replace("-", " "), prop.name or "", *prop.aliases]
            content.append((f"props.{prop.id}", ", ".join(name for name in names if name)))
    return content


def fights(term: str, content: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(field, words) where the shot's own content names ``term`` (or a form or synonym of it), else None."""
    from shotcraft.lint.vocab import related_pattern  # see negative_terms

    if not any(char.isalnum() for char in term):
        return None
    pattern = related_pattern(term)
    for field, text in content:
        match = pattern.search(text)
        if match:
            return field, match.group(0)
    return None


def negative_terms(film: Film, shot: Shot, positive_text: str) -> tuple[NegativeTerm, ...]:
    """The shot's negative terms in order, without repeats, minus those naming the shot's own content."""
    return negative_plan(film, shot, positive_text).kept


def negative_plan(film: Film, shot: Shot, positive_text: str) -> NegativePlan:
    """The shot's negative terms (kept) and those dropped because they name what the shot shows."""
    unique = _candidates(film, shot, positive_text)
    content = own_content(film, shot)
    kept, dropped = [], []
    for term in unique:
        clash = None if term.source.startswith("texture.") else fights(term.term, content)
        if clash is None:
            kept.append(term)
        else:
            dropped.append(DroppedTerm(term.term, term.source, *clash))
    return NegativePlan(tuple(kept), tuple(dropped))


def _candidates(film: Film, shot: Shot, positive_text: str) -> list[NegativeTerm]:
    """Every negative term from every source, in order, said once (case-insensitive)."""
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
    return unique


def _texture_terms(film: Film, shot: Shot) -> list[NegativeTerm]:
    texture = film.charters.texture
    terms = []
    if texture.sharpness in ("soft", "natural"):
        terms += [NegativeTerm("oversharpened", "texture.sharpness"), NegativeTerm("video-game render", "texture.sharpness")]
    if texture.skin and shot.characters and shows_skin(shot):
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
