"""What every check reads: the measurement series of one clip and its thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from shotcraft.qa.decode import DecodeLog
from shotcraft.qa.model import Expected


@dataclass
class CheckInput:
    series: dict[str, np.ndarray]
    frames: int
    rate: Fraction
    width: int
    height: int
    cuts: list[int]
    thresholds: dict[str, float]
    log: DecodeLog
    expected: Expected | None = None
    face_tracker: Any = None  # shotcraft.qa.faces.FaceTracker, filled during the decode pass
    prop_watcher: Any = None  # shotcraft.qa.props.PropWatcher, when the shot lists props (QA116)
    identities: list[dict[str, Any]] = field(default_factory=list)  # per face track: nearest character (QA115 fills it)

    def t(self, key: str) -> float:
        return self.thresholds[key]

    def s(self, name: str) -> np.ndarray:
        return self.series[name]

    def blank(self) -> np.ndarray:
        """Frames that are blank/near-uniform (QA103 reports them; other checks skip them)."""
        return np.nan_to_num(self.s("luma_std"), nan=np.inf) < self.t("QA103")

    def transitions(self) -> np.ndarray:
        """Frames whose change from the previous one is a cut or enters/leaves a blank: not a defect of motion or light."""
        blank = self.blank()
        out = blank | np.roll(blank, 1)
        out[0] = True
        out[[c for c in self.cuts if c < out.size]] = True
        return out

    def seconds(self, frames: int) -> float:
        return float(frames / self.rate) if self.rate else 0.0
