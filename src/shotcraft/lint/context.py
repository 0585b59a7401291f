"""What every rule reads: the plan, each shot's effective settings, and its text by field.

Rules look for words in the text that reaches the prompt (brief lines and the
action), field by field, so a finding can point at the exact line that says
"searching his pockets" rather than at the whole shot.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from shotcraft.lint.registry import Path_
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import ResolvedShot, resolve_shots
from shotcraft.plan.schema import BRIEF_FIELDS, Film, Location, Shot

#: brief lines that describe what is seen (the prompt), in the order searched
PROMPT_BRIEF_FIELDS: tuple[str, ...] = tuple(f for f in BRIEF_FIELDS if f not in ("prohibition",))
#: brief lines about what happens (what the characters do), for action vocabularies
ACTION_BRIEF_FIELDS: tuple[str, ...] = ("subject", "mission")


@dataclass(frozen=True)
class Text:
    """One piece of plan text and where it is."""

    path: Path_
    value: str


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

    def action_texts(self, index: int) -> list[Text]:
        """Where a shot says what happens: the action line, then brief subject and mission."""
        return self.memo(("action", index), lambda: self._shot_texts(index, ACTION_BRIEF_FIELDS))


    def prompt_texts(self, index: int) -> list[Text]:
        """Every line of a shot that reaches the positive prompt (not the prohibition)."""
        return self.memo(("prompt", index), lambda: self._shot_texts(index, PROMPT_BRIEF_FIELDS))

    def _shot_texts(self, index: int, brief_fields: tuple[str, ...]) -> list[Text]:
        """The action line, then the given brief fields that are filled in."""
        shot = self.shots[index]
        texts = [Text(("shots", index, "action"), shot.action)] if shot.action else []
        for name in brief_fields:
            value = getattr(shot.brief, name)
            if value:
                texts.append(Text(("shots", index, "brief", name), value))
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
                return texts
        return []

    def prohibition_text(self, index: int | None = None) -> str:
        """The film's prohibitions (plus one shot's prohibition line), joined for word search."""
        parts = list(self.film.charters.prohibitions)
        if index is not None and self.shots[index].brief.prohibition:
            parts.append(self.shots[index].brief.prohibition)
        return " ; ".join(parts)

    # --- places -------------------------------------------------------------------

    def shot_path(self, index: int, *fields: str | int) -> Path_:
        return ("shots", index) + tuple(fields)

    def explicit(self, path: Path_) -> bool:
        """True when the plan file itself sets ``path`` (not a default)."""
        return path in self.plan.positions.values


def shot_mentions(ctx: LintContext, find) -> Iterator[tuple[Shot, Text, str]]:  # noqa: ANN001 - as first_match
    """Each shot whose prompt-bound text ``find`` finds something in: (shot, the text, what was found)."""
    for index, shot in enumerate(ctx.shots):
        found = first_match(ctx.prompt_texts(index), find)
        if found:
            yield (shot, *found)


def first_match(texts: list[Text], find) -> tuple[Text, str] | None:  # noqa: ANN001 - find: str -> str | None
    """The first text in which ``find`` finds something, with what it found."""
    for text in texts:
        found = find(text.value)
        if found:
            return text, found
    return None
