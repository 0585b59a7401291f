"""What every rule reads: the plan, each shot's effective settings, and its text by field.

One collector, :meth:`LintContext.shot_texts`, returns every text field of a
shot that reaches a prompt or says what the shot shows: the twelve brief
lines, the action, each trigger's beat, the end frame's subject, prompt
variants, the camera justification and the notes, each with its field path.
Rules that look for words read these (all of them), so a word counts the
same wherever the director wrote it, and a finding points at the field and
the character offsets of the match. Prohibitions (the brief's and the
charter's) are collected apart (:meth:`LintContext.negative_texts`): "no
kiss" is not a kiss.

The cast of a shot is read from the words too (:meth:`LintContext.cast`):
a character named in a shot's text (id, name, first name or alias) is in
the shot even when ``characters`` forgets them, unless the text puts them
off-screen ("Jack approaches off-screen", "Jack's point of view").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from shotcraft.lint.registry import Path_
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import ResolvedShot, resolve_shots
from shotcraft.plan.schema import BRIEF_FIELDS, Film, Location, Shot

#: brief lines that describe what is seen (the prompt), in the order searched
PROMPT_BRIEF_FIELDS: tuple[str, ...] = tuple(f for f in BRIEF_FIELDS if f not in ("prohibition",))
#: fields that say what a shot is for, not what it shows: a name there casts nobody ("give Jack's decision time")
NOT_ON_SCREEN_FIELDS = frozenset({"mission"})
#: words after a name (same clause) that keep that person out of frame
_OFF_SCREEN = re.compile(
    r"^(?:'s|\u2019s)?[^,;.]{0,40}?(?:off[- ]?screen|off[- ]camera|out of (?:frame|shot)|unseen|\bpov\b|point of view|\bview\b|\bo\.s\.)",
    re.I,
)


@dataclass(frozen=True)
class Text:
    """One piece of plan text and where it is."""

    path: Path_
    value: str

    def span_of(self, found: str) -> tuple[int, int] | None:
        """Character offsets of ``found`` (as written in this text), or None."""
        start = self.value.find(found)
        return (start, start + len(found)) if start >= 0 else None


@dataclass(frozen=True)
class Mention:
    """A character or prop named in a shot's text."""

    kind: str  # "character" or "prop"
    id: str
    text: Text
    found: str
    off_screen: bool


class LintContext:
    def __init__(self, plan: LoadedPlan) -> None:
        self.plan = plan
        self.film: Film = plan.film
        self._locations = {location.id: location for location in self.film.locations}
        self._memo: dict[tuple, object] = {}

    def memo(self, key: tuple, compute):  # noqa: ANN001, ANN201 - a tiny per-run cache shared by rules
        """Compute once per lint run (several rules read the same shot text)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @functools.cached_property
    def resolved(self) -> list[ResolvedShot]:
        return resolve_shots(self.film)

    @property
    def shots(self) -> list[Shot]:
        return self.film.shots

    def location(self, location_id: str | None) -> Location | None:
        return self._locations.get(location_id) if location_id else None

    # --- text by field -----------------------------------------------------------

    def shot_texts(self, index: int) -> list[Text]:
        """Every text of a shot that says what is seen or happens (all but the prohibition), in file order."""
        return self.memo(("texts", index), lambda: _collect(self.shots[index], index))

    # Older names, kept so every rule reads the same collector.
    prompt_texts = shot_texts
    action_texts = shot_texts

    def negative_texts(self, index: int | None = None) -> list[Text]:
        """The film's prohibitions (and one shot's prohibition line)."""
        texts = [Text(("charters", "prohibitions", i), value) for i, value in enumerate(self.film.charters.prohibitions) if value.strip()]
        if index is not None and self.shots[index].brief.prohibition:
            texts.append(Text(("shots", index, "brief", "prohibition"), self.shots[index].brief.prohibition))
        return texts

    def location_texts(self, location_id: str | None) -> list[Text]:
        """A location's description lines (they are compiled into every shot there)."""
        for index, location in enumerate(self.film.locations):
            if location.id == location_id:
                texts = [Text(("locations", index, "description"), location.description)]
                for name in ("geography", "time_of_day", "weather"):
                    value = getattr(location, name)
                    if value:
                        texts.append(Text(("locations", index, name), value))
                if location.lighting is not None:
                    for name in ("source", "quality"):
                        value = getattr(location.lighting, name)
                        if value:
                            texts.append(Text(("locations", index, "lighting", name), value))
                return texts
        return []

    def prohibition_text(self, index: int | None = None) -> str:
        """The film's prohibitions (plus one shot's prohibition line), joined for word search."""
        return " ; ".join(text.value for text in self.negative_texts(index))

    # --- who is in the shot -------------------------------------------------------------

    def mentions(self, index: int) -> list[Mention]:
        """Characters and props named in the shot's text, in text order (first mention of each)."""
        return self.memo(("mentions", index), lambda: list(_mentions(self, index)))

    def cast(self, index: int) -> tuple[str, ...]:
        """The effective cast: ``characters``, then characters the text puts on screen without listing them."""
        shot = self.shots[index]
        named = [m.id for m in self.mentions(index) if m.kind == "character" and not m.off_screen]
        return tuple(dict.fromkeys([*shot.characters, *named]))

    # --- places -------------------------------------------------------------------

    def shot_path(self, index: int, *fields: str | int) -> Path_:
        return ("shots", index) + tuple(fields)

    def explicit(self, path: Path_) -> bool:
        """True when the plan file itself sets ``path`` (not a default)."""
        return path in self.plan.positions.values


def _collect(shot: Shot, index: int) -> list[Text]:
    base: Path_ = ("shots", index)
    texts = []
    for name in PROMPT_BRIEF_FIELDS:
        value = getattr(shot.brief, name)
        if value:
            texts.append(Text(base + ("brief", name), value))
    if shot.action:
        texts.append(Text(base + ("action",), shot.action))
    for t_index, trigger in enumerate(shot.triggers):
        texts.append(Text(base + ("triggers", t_index, "beat"), trigger.beat))
    if shot.camera.justification:
        texts.append(Text(base + ("camera", "justification"), shot.camera.justification))
    if shot.end_frame is not None and shot.end_frame.subject:
        texts.append(Text(base + ("end_frame", "subject"), shot.end_frame.subject))
    if shot.takes is not None and shot.takes.vary == "prompt":
        for v_index, value in enumerate(shot.takes.values):
            if isinstance(value, str) and value.strip():
                texts.append(Text(base + ("takes", "values", v_index), value))
    if shot.notes:
        texts.append(Text(base + ("notes",), shot.notes))
    return texts


def name_terms(film: Film) -> list[tuple[str, str, re.Pattern[str]]]:
    """(kind, id, pattern) for every character and prop: how the text may name them."""
    out = []
    for character in film.characters:
        words = {character.id, character.id.capitalize(), *character.aliases}
        if character.name:
            words |= {character.name, character.name.split()[0]}
        out.append(("character", character.id, _names_pattern(tuple(sorted(words)), case_sensitive=True)))
    for prop in film.props:
        words = {prop.id.replace("-", " ").replace("_", " "), *prop.aliases}
        if prop.name:
            words.add(prop.name)
        out.append(("prop", prop.id, _names_pattern(tuple(sorted(words)), case_sensitive=False)))
    return out


@functools.cache
def _names_pattern(words: tuple[str, ...], case_sensitive: bool) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True) if w.strip())
    return re.compile(rf"(?<![\w-])(?:{alternatives})s?(?![\w-])", 0 if case_sensitive else re.I)


def _mentions(ctx: LintContext, index: int) -> Iterator[Mention]:
    """First on-screen mention of each character and prop (else their first off-screen one), in text order."""
    terms = ctx.memo(("name-terms",), lambda: name_terms(ctx.film))
    found: list[tuple[int, int, Mention]] = []
    texts = ctx.shot_texts(index)
    for kind, item_id, pattern in terms:
        best: tuple[int, int, Mention] | None = None
        for t_index, text in enumerate(texts):
            if text.path[-1] in NOT_ON_SCREEN_FIELDS:
                continue
            for match in pattern.finditer(text.value):
                off = _OFF_SCREEN.search(text.value[match.end():]) is not None
                mention = Mention(kind, item_id, text, match.group(0), off)
                if best is None or (best[2].off_screen and not off):
                    best = (t_index, match.start(), mention)
                if not off:
                    break
            if best is not None and not best[2].off_screen:
                break
        if best is not None:
            found.append(best)
    for _t, _s, mention in sorted(found, key=lambda item: (item[0], item[1])):
        yield mention


def shot_mentions(ctx: LintContext, find) -> Iterator[tuple[Shot, Text, str]]:  # noqa: ANN001 - as first_match
    """Each shot whose prompt-bound text ``find`` finds something in: (shot, the text, what was found)."""
    for index, shot in enumerate(ctx.shots):
        found = first_match(ctx.shot_texts(index), find)
        if found:
            yield (shot, *found)


def first_match(texts: list[Text], find) -> tuple[Text, str] | None:  # noqa: ANN001 - find: str -> str | None
    """The first text in which ``find`` finds something, with what it found."""
    for text in texts:
        found = find(text.value)
        if found:
            return text, found
    return None
