"""Which parts of a character (and of a location) a shot's framing shows: the table in ``framing.yaml``.

:func:`shown_parts` answers for one shot: the row of its shot type, plus the
parts the shot's own text names when the row says ``mentioned`` (inserts and
detail shots show "the relevant item"), plus ``framing.show`` minus
``framing.hide``. :func:`descriptor_part` and :func:`wardrobe_part` place a
sheet's entries on those parts. The sheet's strings are never rewritten:
a part is either compiled verbatim or left out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

from shotcraft.plan.presets import ShotType
from shotcraft.plan.schema import Shot

PARTS: tuple[str, ...] = ("face", "hair", "age", "build", "hands", "feet", "legs", "wardrobe", "other", "geography")
PERSON_PARTS = frozenset(PARTS) - {"geography"}


@dataclass(frozen=True)
class FramingTable:
    descriptor_parts: dict[str, str]  # key word -> part
    wardrobe_parts: dict[str, str]  # garment word -> part
    part_words: dict[str, tuple[str, ...]]
    rows: dict[ShotType, tuple[frozenset[str], bool]]  # shot type -> (parts shown, add mentioned parts)


@functools.cache
def table() -> FramingTable:
    text = resources.files("shotcraft.prompts").joinpath("framing.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(text)
    descriptor_parts = {word.lower(): part for part, words in data["descriptor_parts"].items() for word in words}
    wardrobe_parts = {word.lower(): part for part, words in data["wardrobe_parts"].items() for word in words}
    part_words = {part: tuple(w.lower() for w in words) for part, words in data["part_words"].items()}
    rows = {}
    for shot_type in ShotType:
        row = data["shot_types"][shot_type.value]
        unknown = set(row.get("show") or ()) - set(PARTS)
        if unknown:
            raise ValueError(f"framing.yaml: {shot_type.value} shows unknown parts {sorted(unknown)}")
        rows[shot_type] = (frozenset(row.get("show") or ()), bool(row.get("mentioned")))
    return FramingTable(descriptor_parts, wardrobe_parts, part_words, rows)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower()))


def descriptor_part(key: str) -> str:
    """'face' -> face, 'Hair colour' -> hair, 'look' -> other."""
    return _first_part(key, table().descriptor_parts, "other")


def wardrobe_part(item: str) -> str:
    """'black leather gloves' -> hands, 'navy pea coat' -> wardrobe."""
    return _first_part(item, table().wardrobe_parts, "wardrobe")


def _first_part(text: str, parts: dict[str, str], default: str) -> str:
    """The body part named by the first word of ``text`` that the table knows, else ``default``."""
    for word in re.findall(r"[a-z-]+", text.lower()):
        if word in parts:
            return parts[word]
    return default


def mentioned_parts(texts: list[str]) -> frozenset[str]:
    """Parts the given text names: 'gloved hand' -> hands, 'at his feet' -> feet."""
    words = set().union(*(_words(text) for text in texts)) if texts else set()
    # An insert or detail never shows a face because its text names one (SC309 flags that text).
    found = {part for part, part_words in table().part_words.items() if words & set(part_words) and part not in ("face", "hair")}
    found |= {part for word, part in table().wardrobe_parts.items() if word in words}
    return frozenset(found)


def mentioned_items(items: tuple[str, ...], texts: list[str]) -> frozenset[str]:
    """Wardrobe items the text names by one of their words of two letters or more ('glove' names 'black leather gloves')."""
    words = set().union(*(_words(text) for text in texts)) if texts else set()
    found = set()
    for item in items:
        for word in _words(item):
            singular = word[:-1] if word.endswith("s") else word
            if len(singular) > 2 and (word in words or singular in words) and word not in _COMMON:
                found.add(item)
                break
    return frozenset(found)


#: words too common in a sheet to say which item the text means ("open at the collar")
_COMMON = frozenset("the and with open black white grey gray dark light navy red blue green brown".split())


def shot_text(shot: Shot) -> list[str]:
    """The shot's own words that can name a part: subject, action, beats, end frame."""
    texts = [shot.brief.subject or "", shot.action or ""]
    texts += [trigger.beat for trigger in shot.triggers]
    if shot.end_frame is not None and shot.end_frame.subject:
        texts.append(shot.end_frame.subject)
    return [text for text in texts if text]


def shown_parts(shot: Shot) -> frozenset[str]:
    """Every part this shot's framing shows (the table row, mentioned parts, then the shot's own framing)."""
    shown, mentioned = table().rows[shot.type]
    parts = set(shown)
    if mentioned:
        parts |= mentioned_parts(shot_text(shot))
    if shot.framing is not None:
        parts |= set(shot.framing.show)
        parts -= set(shot.framing.hide)
    return frozenset(parts)


def uses_mentioned_items(shot: Shot) -> bool:
    """True for rows that show only the items the text names (inserts, details)."""
    return table().rows[shot.type][1]


def visible_sheet(descriptors: dict[str, str], wardrobe: list[str], shot: Shot) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The descriptor values and wardrobe items this shot's framing shows, in sheet order, verbatim."""
    parts = shown_parts(shot)
    shown_descriptors = tuple(value for key, value in descriptors.items() if descriptor_part(key) in parts)
    named = mentioned_items(tuple(wardrobe), shot_text(shot)) if uses_mentioned_items(shot) else frozenset()
    hidden = set(shot.framing.hide) if shot.framing is not None else set()
    named = frozenset(item for item in named if wardrobe_part(item) not in hidden)
    shown_items = tuple(item for item in wardrobe if wardrobe_part(item) in parts or item in named)
    return shown_descriptors, shown_items
