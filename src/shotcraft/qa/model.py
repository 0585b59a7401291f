"""QA data: flags, what a clip is expected to be, and the per-clip report."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np

from shotcraft.qa.thresholds import Severity

Verdict = Literal["pass", "warn", "reject"]

#: human names of the check codes (for messages and the report)
CHECK_NAMES: dict[str, str] = {
    "QA101": "flicker",
    "QA102": "frozen-frames",
    "QA103": "blank-frames",
    "QA104": "motion-vs-plan",
    "QA105": "camera-shake",
    "QA106": "over-sharpened",
    "QA107": "soft-image",
    "QA108": "border-artifacts",
    "QA109": "clipped-highlights",
    "QA110": "crushed-blacks",
    "QA111": "colour-cast-drift",
    "QA112": "face-instability",
    "QA113": "corrupt-frames",
    "QA114": "duration-or-rate",
    "QA115": "identity-vs-character",
    "QA116": "prop-vs-sheet",
    "QA201": "exposure-jump",
    "QA202": "white-balance-jump",
    "QA203": "contrast-jump",
    "QA204": "grain-jump",
    "QA205": "speed-jump",
    "QA206": "stacked-jumps",
    "QA207": "identity-across-cut",
    "QA208": "prop-across-cut",
}


@dataclass(frozen=True)
class Flag:
    """One finding: a check code on a frame range [start_frame, end_frame] (inclusive)."""

    code: str
    severity: Severity
    start_frame: int
    end_frame: int
    value: float
    threshold: float
    message: str
    # where in the frame, as fractions (x, y, w, h) of the frame; for the report's 200% crops
    region: tuple[float, float, float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "value": _finite(self.value),
            "threshold": _finite(self.threshold),
            "message": self.message,
        }


@dataclass(frozen=True)
class CharacterSheet:
    """One character of the shot and the images that show their face (references, or the take's keyframe)."""

    character: str
    images: tuple[str, ...]

    def key(self) -> list[Any]:
        """For cache keys: the character and the content of its images."""
        return [self.character, [file_digest(p) for p in self.images]]


@dataclass(frozen=True)
class PropSheet:
    """One prop of the shot and the images that show it: its references, the take's keyframe standing in, or none."""

    prop: str
    name: str | None
    images: tuple[str, ...]
    source: Literal["references", "keyframe", "none"] = "references"
    reason: str | None = None  # why there are no images (said in the QA116 note)

    def key(self) -> list[Any]:
        """For cache keys: the prop, where its images come from and their content (a replaced reference re-runs QA116)."""
        return [self.prop, self.source, [file_digest(p) for p in self.images]]


def file_digest(path: str | Path) -> str:
    """The first 16 hex digits of a file's sha256, through the project's stat-keyed hash cache (a warm run reads
    nothing); "missing" for a file that cannot be read."""
    from shotcraft import files
    from shotcraft.errors import ShotcraftError

    try:
        return files.content_sha256(path, "output", where=str(path))[:16]
    except (OSError, ShotcraftError):
        return "missing"


@dataclass(frozen=True)
class Expected:
    """What the plan asks of a clip; every field optional (file mode knows none of them)."""

    frames: int | None = None
    rate: Fraction | None = None
    motion: float | None = None  # planned motion strength 0..1
    shot_id: str | None = None
    take: str | None = None
    # made by a storyboard/previz backend (animatic, stills): a still panel is by design, so stillness is noted, not judged
    previz: bool = False
    characters: tuple[CharacterSheet, ...] = ()  # who may appear, with their faces (QA115)
    # picture speed (frame widths / s) of the planned camera path, when the take is its keyframe moved by that path
    # and nothing else (a backend with clip_is_camera_move): QA104 then expects exactly it (a static shot's breath)
    planned_speed: float | None = None
    props: tuple[PropSheet, ...] = ()  # the props and products the shot lists, with their sheets (QA116)


@dataclass
class ClipReport:
    path: Path
    verdict: Verdict
    score: float
    flags: list[Flag]
    metrics: dict[str, Any]
    # per-frame measurement curves, for plots and continuity; all the same length (frames decoded)
    series: dict[str, list[float]] = field(default_factory=dict)
    frames: int = 0
    rate: Fraction = Fraction(24)
    width: int = 0
    height: int = 0
    # frames where the structure changes completely (cuts inside the clip)
    cuts: list[int] = field(default_factory=list)
    expected: Expected | None = None
    cache_key: str | None = None  # the analysis cache key (plan mode): what the report's pictures are cached by

    @property
    def codes(self) -> set[str]:
        return {flag.code for flag in self.flags}

    def flags_with(self, code: str) -> list[Flag]:
        return [flag for flag in self.flags if flag.code == code]

    def to_dict(self) -> dict[str, Any]:
        """The file-mode JSON object (see schema.json)."""
        return {
            "file": str(self.path),
            "verdict": self.verdict,
            "score": round(self.score, 1),
            "flags": [flag.to_dict() for flag in self.flags],
            "metrics": _plain(self.metrics),
        }


    def to_cache(self) -> dict[str, Any]:
        """Everything, for the plan-mode cache (flags with their regions, the per-frame series)."""
        e = self.expected
        return {
            "path": str(self.path), "verdict": self.verdict, "score": self.score,
            "flags": [{**f.to_dict(), "value": f.value, "threshold": f.threshold, "region": list(f.region) if f.region else None} for f in self.flags],
            "metrics": _plain(self.metrics), "series": {k: _packed(v) for k, v in self.series.items()}, "frames": self.frames, "rate": f"{self.rate.numerator}/{self.rate.denominator}",
            "width": self.width, "height": self.height, "cuts": self.cuts,
            "expected": None if e is None else {"frames": e.frames, "rate": None if e.rate is None else f"{e.rate.numerator}/{e.rate.denominator}",
                                                 "motion": e.motion, "shot_id": e.shot_id, "take": e.take, "previz": e.previz,
                                                 "characters": [[c.character, list(c.images)] for c in e.characters],
                                                 "props": [[p.prop, p.name, list(p.images), p.source, p.reason] for p in e.props]},
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> ClipReport:
        e = data["expected"]
        expected = None if e is None else Expected(e["frames"], Fraction(e["rate"]) if e["rate"] else None, e["motion"], e["shot_id"], e["take"], e["previz"],
                                              tuple(CharacterSheet(n, tuple(i)) for n, i in e.get("characters", [])),
                                              props=tuple(PropSheet(p, n, tuple(i), s, r) for p, n, i, s, r in e.get("props", [])))
        flags = [Flag(f["code"], f["severity"], f["start_frame"], f["end_frame"], f["value"], f["threshold"], f["message"],
                      tuple(f["region"]) if f["region"] else None) for f in data["flags"]]
        return cls(Path(data["path"]), data["verdict"], data["score"], flags, data["metrics"],
                   {k: _unpacked(values) for k, values in data["series"].items()},
                   data["frames"], Fraction(data["rate"]), data["width"], data["height"], data["cuts"], expected)


def _packed(values: list[Any]) -> Any:
    """A series of floats as the base64 of its float64 bytes (exact, NaN included): a cached analysis is read on every
    make, and JSON's float lists were most of reading 90 of them (0.09 s); any other series is kept as it is."""
    if not all(type(v) is float for v in values):
        return values
    return {"float64": base64.b64encode(np.asarray(values, dtype="<f8").tobytes()).decode("ascii")}


def _unpacked(values: Any) -> list[Any]:
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["float64"]), dtype="<f8").tolist()
    return [float("nan") if v is None else v for v in values]  # NaN was written as null by earlier versions


def _finite(value: float) -> float | None:
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return round(value, 4)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, float):
        return _finite(value)
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value
