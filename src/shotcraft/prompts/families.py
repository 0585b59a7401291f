"""The table of model families: adding one is a new module and one line here."""

from __future__ import annotations

from shotcraft.errors import InputError
from shotcraft.prompts import midjourney, prose, providers, sd
from shotcraft.prompts.base import Family

FAMILIES: dict[str, Family] = {
    sd.FAMILY.name: sd.FAMILY,
    prose.FAMILY.name: prose.FAMILY,
    midjourney.FAMILY.name: midjourney.FAMILY,
    providers.VEO.name: providers.VEO,
    providers.RUNWAY.name: providers.RUNWAY,
    providers.LUMA.name: providers.LUMA,
    providers.KLING.name: providers.KLING,
}

DEFAULT_KEYFRAME_FAMILY = "sd"
DEFAULT_CLIP_FAMILY = "prose"


def family(name: str) -> Family:
    """The family called ``name``; an unknown name is an InputError listing the known ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(FAMILIES)
        raise InputError(f"unknown prompt family {name!r} (known: {known})") from None


def family_names() -> list[str]:
    return list(FAMILIES)
