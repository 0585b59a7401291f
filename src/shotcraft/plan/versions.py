"""film.yaml format versions and the registered upgrades between them.

Like OpenTimelineIO's schema upgrades: each upgrade is a plain function from
the raw mapping of version N to the raw mapping of version N+1. Loading an
older file runs them in order; the file on disk is never rewritten silently.

Version 1 (the first public draft) kept a shot's generation settings flat on
the shot (``seed``, ``steps``, ``cfg``, ``sampler``, ``denoise``, ``fps``,
``backend``) and called the takes count ``versions``. Version 2 groups them
under ``keyframe`` / ``clip`` / ``takes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shotcraft.plan.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from shotcraft.plan.loader import PlanIssue, Positions

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]
UPGRADES: dict[int, Upgrade] = {}


def register_upgrade(from_version: int) -> Callable[[Upgrade], Upgrade]:
    def wrap(function: Upgrade) -> Upgrade:
        UPGRADES[from_version] = function
        return function

    return wrap


_V1_KEYFRAME_KEYS = ("seed", "steps", "cfg", "sampler", "denoise")


@register_upgrade(1)
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    shots = data.get("shots")
    if isinstance(shots, list):
        for shot in shots:
            if not isinstance(shot, dict):
                continue
            keyframe = shot.setdefault("keyframe", {}) if any(k in shot for k in _V1_KEYFRAME_KEYS) else None
            for key in _V1_KEYFRAME_KEYS:
                if key in shot and isinstance(keyframe, dict):
                    keyframe[key] = shot.pop(key)
            if "fps" in shot or "backend" in shot:
                clip = shot.setdefault("clip", {})
                if isinstance(clip, dict):
                    for key in ("fps", "backend"):
                        if key in shot:
                            clip[key] = shot.pop(key)
            if "versions" in shot:
                shot["takes"] = shot.pop("versions")
    data["schema_version"] = 2
    return data


def upgrade(data: dict[str, Any], file: str, positions: Positions) -> tuple[dict[str, Any], int | None, list[PlanIssue]]:
    """Bring raw plan data to the current version. Returns (data, version it came from, issues)."""
    from shotcraft.plan.loader import PlanIssue

    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        line, col = positions.locate(("schema_version",))
        return data, None, [PlanIssue(file, line, col, ("schema_version",), f"expected an integer version, found {version!r}")]
    if version > SCHEMA_VERSION:
        line, col = positions.locate(("schema_version",))
        message = f"this plan is format {version}; this shotcraft reads up to {SCHEMA_VERSION} (upgrade shotcraft)"
        return data, None, [PlanIssue(file, line, col, ("schema_version",), message)]
    if version < 1:
        line, col = positions.locate(("schema_version",))
        return data, None, [PlanIssue(file, line, col, ("schema_version",), f"unknown format version {version}")]
    original = version
    while version < SCHEMA_VERSION:
        data = UPGRADES[version](data)
        version += 1
    return data, (original if original != SCHEMA_VERSION else None), []
