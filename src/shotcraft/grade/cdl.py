"""ASC CDL: each shot's primary correction as slope, offset, power and saturation, editable in any NLE.

The primary node of every shot's grade *is* a CDL (exposure and balance as
slope, the saturation match as saturation), evaluated by :meth:`CDL.apply`
as OpenColorIO evaluates a ``.cdl`` / ``.ccc`` file (the ASC CDL v1.2
formulas, style "no clamp", which is also what a float pipeline such as
Resolve's does), then clipped to the display range:

    out = max(in * slope + offset, 0) ** power
    luma = 0.2126 R + 0.7152 G + 0.0722 B
    out = clip(luma + saturation * (out - luma), 0, 1)

so the ``.cdl`` a colourist loads in Resolve reproduces the primary part of
the grade, and everything after it (soft contrast, secondary skin, the look)
stays in the baked ``.cube``. Files: one ``<shot>.cdl`` (a ColorDecisionList
with one correction), one ``<film>.ccc`` (a ColorCorrectionCollection of
every shot, ids = shot ids), and the values on each clip of the graded EDL
(``*ASC_SOP`` / ``*ASC_SAT`` comments, written by OpenTimelineIO's CMX 3600
adapter from ``clip.metadata["cdl"]``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotcraft.fsutil import write_text

LUMA_REC709 = np.array([0.2126, 0.7152, 0.0722])
CDL_NAMESPACE = "urn:ASC:CDL:v1.01"
DECIMALS = 6


@dataclass(frozen=True)
class CDL:
    slope: tuple[float, float, float] = (1.0, 1.0, 1.0)
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    power: tuple[float, float, float] = (1.0, 1.0, 1.0)
    saturation: float = 1.0

    def rounded(self) -> CDL:
        """The CDL as written to files (6 decimals): what the grade applies, so files and pixels agree."""
        r = lambda values: tuple(round(float(v), DECIMALS) for v in values)  # noqa: E731
        return CDL(r(self.slope), r(self.offset), r(self.power), round(float(self.saturation), DECIMALS))  # type: ignore[arg-type]

    @property
    def is_identity(self) -> bool:
        return self.slope == (1.0, 1.0, 1.0) and self.offset == (0.0, 0.0, 0.0) and self.power == (1.0, 1.0, 1.0) and self.saturation == 1.0

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The CDL on display RGB (..., 3) in [0, 1], as OpenColorIO applies a .cdl file, clipped to [0, 1] after."""
        rgb = np.asarray(rgb, dtype=np.float64)
        if self.is_identity:
            return rgb
        sop = np.maximum(rgb * np.asarray(self.slope) + np.asarray(self.offset), 0.0) ** np.asarray(self.power)
        luma = (sop @ LUMA_REC709)[..., None]
        return np.clip(luma + self.saturation * (sop - luma), 0.0, 1.0)

    def to_metadata(self) -> dict[str, object]:
        """The form OpenTimelineIO's CMX 3600 adapter writes as *ASC_SOP / *ASC_SAT comments."""
        return {
            "asc_sop": {"slope": list(self.slope), "offset": list(self.offset), "power": list(self.power)},
            "asc_sat": self.saturation,
        }


def _triple(values: tuple[float, float, float]) -> str:
    return " ".join(f"{float(v):.{DECIMALS}f}" for v in values)


def _correction(parent: ET.Element, shot_id: str, cdl: CDL, description: str | None) -> ET.Element:
    node = ET.SubElement(parent, "ColorCorrection", id=shot_id)
    if description:
        ET.SubElement(node, "Description").text = description
    sop = ET.SubElement(node, "SOPNode")
    ET.SubElement(sop, "Slope").text = _triple(cdl.slope)
    ET.SubElement(sop, "Offset").text = _triple(cdl.offset)
    ET.SubElement(sop, "Power").text = _triple(cdl.power)
    sat = ET.SubElement(node, "SatNode")
    ET.SubElement(sat, "Saturation").text = f"{float(cdl.saturation):.{DECIMALS}f}"
    return node


def _xml_text(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_cdl(cdl: CDL, path: str | Path, shot_id: str, *, description: str | None = None) -> Path:
    """One shot's correction as a ``.cdl`` (ColorDecisionList holding one ColorDecision), atomically."""
    root = ET.Element("ColorDecisionList", xmlns=CDL_NAMESPACE)
    _correction(ET.SubElement(root, "ColorDecision"), shot_id, cdl, description)
    return write_text(path, _xml_text(root))


def write_ccc(cdls: Mapping[str, CDL], path: str | Path, *, descriptions: Mapping[str, str] | None = None) -> Path:
    """Every shot's correction as one ``.ccc`` (ColorCorrectionCollection, ids = shot ids), atomically."""
    root = ET.Element("ColorCorrectionCollection", xmlns=CDL_NAMESPACE)
    for shot_id, cdl in cdls.items():
        _correction(root, shot_id, cdl, (descriptions or {}).get(shot_id))
    return write_text(path, _xml_text(root))
