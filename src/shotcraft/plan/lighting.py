"""A shot's effective lighting: the shot's own light, over its location's, over the charter's.

The seed sets one lighting charter for the film ("stable motivated light"),
but intent changes light on purpose: a flame relight, a bathroom window in one
place and a streetlamp in another. Each level may set any of the charter's
fields; a field set at a more specific level wins, field by field, so a shot
that only changes the source keeps the charter's direction. The prompt
compiler and the grade read light through :func:`effective_lighting`.
"""

from __future__ import annotations

from dataclasses import dataclass

from shotcraft.plan.schema import Film, Lighting, Shot

LIGHT_FIELDS: tuple[str, ...] = tuple(Lighting.model_fields)


@dataclass(frozen=True)
class EffectiveLighting:
    """The merged light of one shot and, per field, the level it came from."""

    lighting: Lighting
    sources: dict[str, str]  # field -> "shot", "location" or "charter" (set fields only)


def effective_lighting(film: Film, shot: Shot) -> EffectiveLighting:
    """Merge shot > location > charter lighting, field by field."""
    location = None
    if shot.location is not None:
        location = next((loc for loc in film.locations if loc.id == shot.location), None)
    levels = (("shot", shot.lighting), ("location", location.lighting if location else None), ("charter", film.charters.lighting))
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for name in LIGHT_FIELDS:
        for level, light in levels:
            value = getattr(light, name) if light is not None else None
            if value is not None:
                values[name] = value
                sources[name] = level
                break
    return EffectiveLighting(Lighting(**values), sources)
