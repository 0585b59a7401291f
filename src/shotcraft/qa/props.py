"""Props and products against their sheets (QA116) and across the shots of the cut (QA208).

A prop's *sheet* is the reference images the plan gives it (``props[].references``:
the packshot of the serum bottle, a photograph of the key ring). When it has
none, the take's locked keyframe stands in, but only where the keyframe shows
the prop and little else (the one prop of an object-detail or insert shot,
see :func:`shotcraft.qa.run.prop_sheets`), and then only its centre
(``KEYFRAME_CENTRE``), where such a shot frames its subject; otherwise the prop
is noted as not verified, never passed or rejected on a guess.

How a prop is looked for, on frames the face tracker samples (at most
``FACE_WIDTH`` pixels wide; every other one, ``CALM_STRIDE`` frames apart, while
every prop matches, and every one, ``FACE_STRIDE`` apart, once one does not, so
a loss is timed to a quarter of a second at half the cost), with OpenCV's
well-kept tools rather than our own:

1. SIFT keypoints of each reference image (resized to ``REFERENCE_SIDE``) and of
   the frame; nearest two neighbours per reference descriptor and Lowe's ratio
   test (``RATIO``);
2. a homography fitted by RANSAC: the prop is *found* when at least ``QA116``
   matches are inliers and the projected outline is a plausible quadrilateral
   (convex, not degenerate) - a different object, or none, leaves a handful of
   chance inliers;
3. its colour: the frame is warped back into the reference's geometry, both
   are compared in CIELAB over the hull of the inlier keypoints (on the object,
   not its background) after one exposure gain, as the median CIEDE2000
   (colour-science): a same-shaped object in the wrong colour matches its
   features but not its colour (``QA116.colour``).

A prop lost after it was last seen at the frame's edge has left the picture
(a car driving off): that exit is noted, not judged.

When the sharp sheet is not found, blurred copies of it (``SOFT_SIGMAS``) are
tried: a prop slightly out of focus or in motion keeps their coarse keypoints.
Out of reach: a prop so blurred that its texture is gone (sigma 8 px on the
400 px cup, a 25 px motion smear) matches 2-8 inliers, no more than a missing
one, and reads as lost.

The homography judges the side of the prop its sheet shows: a prop that turns
its back to the camera is lost to it, so a prop that turns needs one reference
image per side (the best-matching reference counts on each frame).

A reference with fewer than ``QA116.keypoints`` keypoints (a plain matte
object) cannot be verified this way: the take gets an info note saying so.

Across the cut (QA208): each take keeps its prop's appearance in the
reference's geometry (mean L*a*b* on a ``GRID`` x ``GRID`` grid of the
reference); the same prop in two shots is compared cell by cell (median
CIEDE2000 after one lightness offset: another light is not another prop), so a bottle that is amber in one shot and
green in the next is caught even when each take alone stayed within QA116.

Measured (tests/qa/test_props.py, the cup of ``skimage.data.coffee()`` composited
into real photographs, H.264): the same cup under scale, rotation, perspective,
light, occlusion and motion keeps 8-30 inliers on 320 px frames (26-89 at 640,
the size QA samples at), another photograph or no cup 0-6; its colour stays at
0.4-6.1 CIEDE2000 from the sheet while its hue turned 30 degrees measures 17-20
and 120 degrees 40-46. Across shots the same cup stays within 0.3-4.8; cups
turned +15 and -15 degrees (each 8-11 from the sheet, within QA116) are 16.4
apart. Cost (bench/qa_props.py): SIFT on a 640 px sample is about 0.1 s of CPU;
a 720p take that shows a prop takes 1.4x the CPU of one that does not (0.16
CPU-s per second of footage).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from shotcraft.qa.context import CheckInput
from shotcraft.qa.decode import FACE_STRIDE, DecodedFrame
from shotcraft.qa.model import Flag, PropSheet, file_digest
from shotcraft.qa.thresholds import severity_of

REFERENCE_SIDE = 320  # px: references are resized so their longest side is this (props fill a fraction of a 640 px frame)
REFERENCE_FEATURES = 1500  # strongest SIFT keypoints kept per reference
FRAME_FEATURES = 2500  # per sampled frame
RATIO = 0.75  # Lowe's ratio test (his paper: 0.8; OpenCV's tutorials 0.7-0.75)
CALM_STRIDE = 2 * FACE_STRIDE  # frames between samples while every prop matches (2 a second at 24 fps)
LOST_SAMPLES = 2  # consecutive samples without the prop (1/4 s apart once one misses) before it is "lost": one blurred sample is not
GRID = 8  # appearance grid over the reference, for QA208
BLUR_SIGMA = 1.5  # px at REFERENCE_SIDE: tolerates a pixel or two of registration error in the colour comparison
MIN_CELL_COVER = 0.5  # share of a grid cell on the object for the cell to count
EDGE = 0.02  # share of the frame: a prop whose outline comes this close to the edge may be leaving the picture
KEYFRAME_CENTRE = 0.6  # share of a stand-in keyframe's width and height kept around its centre
# the sheet also blurred by these sigmas (px at REFERENCE_SIDE), tried when the sharp sheet is not found: a prop out of
# focus or in motion blur loses the fine keypoints of its sheet but keeps the coarse ones of its blurred copies, so it is
# still recognised (a vanished prop or another object matches no copy)
SOFT_SIGMAS = (3.0, 6.0)


@dataclass(frozen=True)
class Reference:
    digest: str
    points: np.ndarray  # (n, 2) float32 keypoint positions
    descriptors: np.ndarray | None  # (n, 128) float32
    lab: np.ndarray  # HxWx3 float32 CIELAB, blurred
    linear: np.ndarray  # HxWx3 float32 linear RGB (for the exposure gain)
    softer: tuple[tuple[np.ndarray, np.ndarray | None], ...] = ()  # (points, descriptors) of the blurred copies (SOFT_SIGMAS)

    @property
    def levels(self) -> tuple[tuple[np.ndarray, np.ndarray | None], ...]:
        """(points, descriptors) of the sheet, then of its blurred copies: one geometry, so one homography fits all."""
        return ((self.points, self.descriptors), *self.softer)

    @property
    def size(self) -> tuple[int, int]:
        return self.lab.shape[1], self.lab.shape[0]

    @property
    def keypoints(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class Sighting:
    """The best match of one prop on one sampled frame."""

    frame: int
    inliers: int
    found: bool
    colour: float | None  # median CIEDE2000 to the sheet over the matched region (None: not found)
    region: tuple[float, float, float, float] | None  # where in the frame, as fractions (x, y, w, h)
    reference: int  # index of the best reference image
    appearance: list[list[float] | None] | None = None  # GRID*GRID cells of mean L*a*b* (None off the object)
    level: int = 0  # 0: found with the sharp sheet; 1, 2: only with its blurred copies (the prop out of focus or in motion)


def _sift(features: int) -> cv2.SIFT:
    return cv2.SIFT_create(nfeatures=features)


def _to_lab(rgb_u8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(CIELAB, linear RGB) float32 of an 8-bit sRGB image, blurred by BLUR_SIGMA first."""
    blurred = cv2.GaussianBlur(rgb_u8.astype(np.float32) / 255.0, (0, 0), BLUR_SIGMA)
    lab = cv2.cvtColor(blurred, cv2.COLOR_RGB2Lab)
    linear = np.where(blurred <= 0.04045, blurred / 12.92, ((blurred + 0.055) / 1.055) ** 2.4).astype(np.float32)
    return lab, linear


@lru_cache(maxsize=64)
def _reference(path: str, digest: str, centre: bool = False) -> Reference | None:
    from PIL import Image

    try:
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
    except OSError:
        return None
    if centre:  # a keyframe standing in: its centre, where a detail or insert frames its subject, not the set around it
        height, width = rgb.shape[:2]
        margin_y, margin_x = round(height * (1 - KEYFRAME_CENTRE) / 2), round(width * (1 - KEYFRAME_CENTRE) / 2)
        rgb = np.ascontiguousarray(rgb[margin_y : height - margin_y, margin_x : width - margin_x])
    scale = REFERENCE_SIDE / max(rgb.shape[:2])
    if scale < 1:
        rgb = cv2.resize(rgb, (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    points, descriptors = _features(gray)
    softer = tuple(_features(cv2.GaussianBlur(gray, (0, 0), sigma)) for sigma in SOFT_SIGMAS)
    lab, linear = _to_lab(rgb)
    return Reference(digest, points, descriptors, lab, linear, softer)


def _features(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    keypoints, descriptors = _sift(REFERENCE_FEATURES).detectAndCompute(gray, None)
    return np.float32([k.pt for k in keypoints]).reshape(-1, 2), descriptors


def references_of(sheet: PropSheet) -> list[Reference]:
    out = []
    for path in sheet.images:
        reference = _reference(path, file_digest(path), sheet.source == "keyframe")
        if reference is not None:
            out.append(reference)
    return out


class PropWatcher:
    """Looks for every prop of the shot on the sampled frames of one decode pass."""

    def __init__(self, sheets: Sequence[PropSheet], thresholds: dict[str, float]) -> None:
        self.sheets = tuple(sheets)
        self.min_inliers = int(thresholds["QA116"])
        self.min_keypoints = int(thresholds["QA116.keypoints"])
        self.colour_limit = thresholds["QA116.colour"]
        self.references = {s.prop: references_of(s) for s in self.sheets}
        self.sightings: dict[str, list[Sighting]] = {s.prop: [] for s in self.sheets}
        self._matcher = cv2.BFMatcher(cv2.NORM_L2)
        self._sift = _sift(FRAME_FEATURES)
        self._next_frame = 0

    def verifiable(self, prop: str) -> list[Reference]:
        return [r for r in self.references.get(prop, []) if r.keypoints >= self.min_keypoints and r.descriptors is not None]

    def update(self, frame: DecodedFrame) -> None:
        if frame.face is None or frame.index < self._next_frame or not any(self.verifiable(s.prop) for s in self.sheets):
            return
        image = frame.face
        keypoints, descriptors = self._sift.detectAndCompute(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), None)
        frame_points = np.float32([k.pt for k in keypoints]).reshape(-1, 2)
        frame_lab = None
        for sheet in self.sheets:
            best: Sighting | None = None
            references = self.verifiable(sheet.prop)
            for index, reference in enumerate(references):
                most = 0
                for level, (points, reference_descriptors) in enumerate(reference.levels):
                    inliers, homography, matched = self._match(reference, points, reference_descriptors, frame_points, descriptors, image.shape)
                    if homography is not None and inliers >= self.min_inliers:
                        break  # the sharpest copy of the sheet that is found
                    most = max(most, inliers)
                else:
                    inliers, homography = most, None
                found = homography is not None and inliers >= self.min_inliers
                if best is not None and (found, inliers) <= (best.found, best.inliers):
                    continue  # the reference image that shows it best (found first, then by inliers)
                if not found:
                    best = Sighting(frame.index, inliers, False, None, None, index)
                    continue
                if frame_lab is None:
                    frame_lab = _to_lab(image)
                colour, appearance = _compare_colour(reference, frame_lab, homography, matched)
                best = Sighting(frame.index, inliers, True, colour, _region(reference, homography, image.shape), index, appearance, level)
            if best is not None:
                self.sightings[sheet.prop].append(best)
        # SIFT is most of the cost: every other face sample while every prop matches, every one once one does not
        matched = all(not self.sightings[s.prop] or self.matches(self.sightings[s.prop][-1]) for s in self.sheets)
        self._next_frame = frame.index + (CALM_STRIDE if matched else FACE_STRIDE)

    def matches(self, sighting: Sighting) -> bool:
        """Found, and in its sheet's colour."""
        return sighting.found and sighting.colour is not None and sighting.colour <= self.colour_limit

    def _match(self, reference: Reference, points: np.ndarray, reference_descriptors: np.ndarray | None, frame_points: np.ndarray,
               descriptors: np.ndarray | None, shape: tuple[int, ...]) -> tuple[int, np.ndarray | None, np.ndarray]:
        """RANSAC inliers of the reference (``points``/``reference_descriptors``: the sheet or a blurred copy) on the frame, the
        homography (reference -> frame) and the inlier reference points."""
        none = (0, None, np.zeros((0, 2), np.float32))
        if descriptors is None or len(descriptors) < 2 or reference_descriptors is None or len(reference_descriptors) < 2:
            return none
        pairs = self._matcher.knnMatch(reference_descriptors, descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
        if len(good) < 4:  # a homography needs four
            return len(good), None, none[2]
        source = points[[m.queryIdx for m in good]]
        target = frame_points[[m.trainIdx for m in good]]
        tolerance = max(3.0, 0.01 * shape[1])  # px: 1 % of the frame width (6 px at 640)
        homography, mask = cv2.findHomography(source, target, cv2.RANSAC, tolerance, maxIters=2000, confidence=0.995)
        if homography is None or mask is None:
            return none
        keep = mask.ravel().astype(bool)
        inliers = int(keep.sum())
        if not _plausible(reference, homography, shape):
            return inliers, None, none[2]
        return inliers, homography, source[keep]

    def results(self) -> list[dict[str, Any]]:
        """Per prop: the sheet used and what was measured (the report's metrics; QA208 reads ``appearance``)."""
        out = []
        for sheet in self.sheets:
            references = self.references.get(sheet.prop, [])
            verifiable = self.verifiable(sheet.prop)  # what Sighting.reference indexes
            sightings = self.sightings[sheet.prop]
            found = [s for s in sightings if s.found]
            best = max(found, key=lambda s: s.inliers, default=None)
            entry: dict[str, Any] = {
                "prop": sheet.prop, "sheet": sheet.source, "reference_keypoints": [r.keypoints for r in references],
                "sampled_frames": len(sightings), "found_frames": len(found),
                "inliers": [s.inliers for s in sightings],
                "colour": [None if s.colour is None else round(s.colour, 2) for s in sightings],
                "blurred": [s.level for s in sightings],
            }
            if best is not None and sheet.source == "references":  # a keyframe is not the same sheet in two shots
                entry["appearance"] = {"reference": verifiable[best.reference].digest, "frame": best.frame, "grid": best.appearance}
            out.append(entry)
        return out


def _plausible(reference: Reference, homography: np.ndarray, shape: tuple[int, ...]) -> bool:
    """The reference's outline projected into the frame is a convex quadrilateral of sensible size."""
    width, height = reference.size
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
    quad = cv2.perspectiveTransform(corners, homography).reshape(-1, 2)
    if not np.isfinite(quad).all() or not cv2.isContourConvex(quad.astype(np.float32)):
        return False
    area = cv2.contourArea(quad)
    frame_area = float(shape[0] * shape[1])
    # at least (1/40 of the frame width)^2 and at most 16 frames: smaller is a chance fit, larger a degenerate one
    return (shape[1] / 40) ** 2 <= area <= 16 * frame_area


def _region(reference: Reference, homography: np.ndarray, shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    width, height = reference.size
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
    quad = cv2.perspectiveTransform(corners, homography).reshape(-1, 2)
    x0, y0 = np.clip(quad.min(axis=0), 0, None)
    x1, y1 = np.minimum(quad.max(axis=0), (shape[1], shape[0]))
    return (float(x0 / shape[1]), float(y0 / shape[0]), float(max(0.0, x1 - x0) / shape[1]), float(max(0.0, y1 - y0) / shape[0]))


def _compare_colour(reference: Reference, frame: tuple[np.ndarray, np.ndarray], homography: np.ndarray,
                    matched: np.ndarray) -> tuple[float | None, list[list[float] | None]]:
    """Median CIEDE2000 between the sheet and the frame warped into its geometry, over the object, and the grid."""
    import colour

    width, height = reference.size
    frame_lab, frame_linear = frame
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped_lab = cv2.warpPerspective(frame_lab, homography, (width, height), flags=flags)
    warped_linear = cv2.warpPerspective(frame_linear, homography, (width, height), flags=flags)
    inside = cv2.warpPerspective(np.ones(frame_lab.shape[:2], np.uint8), homography, (width, height), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    mask = np.zeros((height, width), np.uint8)
    if len(matched) >= 3:
        cv2.fillConvexPoly(mask, cv2.convexHull(matched.astype(np.int32)), 1)
    mask &= inside  # the part of the prop inside the frame
    on = mask.astype(bool)
    if on.sum() < 16:
        return None, [None] * (GRID * GRID)
    # one exposure gain (linear light): a prop in another light is the same prop; its hue and chroma must stay
    gain = float(_luminance(reference.linear[on]).mean() / max(1e-4, _luminance(warped_linear[on]).mean()))
    relit = _relit_lab(warped_linear, gain) if abs(gain - 1) > 1e-3 else warped_lab
    distance = float(np.median(colour.delta_E(reference.lab[on].astype(np.float64), relit[on].astype(np.float64), method="CIE 2000")))
    return distance, _grid(warped_lab, mask)


def _luminance(linear: np.ndarray) -> np.ndarray:
    return linear @ np.float32([0.2126, 0.7152, 0.0722])


def _relit_lab(linear: np.ndarray, gain: float) -> np.ndarray:
    scaled = np.clip(linear * gain, 0.0, 1.0)
    encoded = np.where(scaled <= 0.0031308, scaled * 12.92, 1.055 * np.power(scaled, 1 / 2.4) - 0.055).astype(np.float32)
    return cv2.cvtColor(encoded, cv2.COLOR_RGB2Lab)


def _grid(lab: np.ndarray, mask: np.ndarray) -> list[list[float] | None]:
    height, width = mask.shape
    cells: list[list[float] | None] = []
    for row in range(GRID):
        for column in range(GRID):
            y0, y1 = row * height // GRID, (row + 1) * height // GRID
            x0, x1 = column * width // GRID, (column + 1) * width // GRID
            cover = mask[y0:y1, x0:x1].astype(bool)
            if cover.size == 0 or cover.mean() < MIN_CELL_COVER:
                cells.append(None)
                continue
            cells.append([round(float(v), 2) for v in lab[y0:y1, x0:x1][cover].mean(axis=0)])
    return cells


# --- QA116: per take ----------------------------------------------------------------------------------


def check_props(ci: CheckInput) -> list[Flag]:
    """QA116: each prop of the shot against its sheet, over the sampled frames."""
    watcher: PropWatcher | None = getattr(ci, "prop_watcher", None)
    if watcher is None:
        return []
    blank = ci.blank() if ci.frames else np.zeros(0, bool)
    flags = []
    for sheet in watcher.sheets:
        name = sheet.name or sheet.prop
        references = watcher.references.get(sheet.prop, [])
        if not sheet.images or not references:
            flags.append(_note(ci, f"prop {name}: {sheet.reason or 'no readable reference image'}: not verified"))
            continue
        if not watcher.verifiable(sheet.prop):
            most = max(r.keypoints for r in references)
            flags.append(_note(ci, f"prop {name}: unverifiable, its sheet has {most} keypoints (a plain, textureless object; "
                                   f"{watcher.min_keypoints} needed to recognise it): not checked"))
            continue
        sightings = [s for s in watcher.sightings[sheet.prop] if not (s.frame < blank.size and blank[s.frame])]
        if sightings:
            flags.extend(_judge(ci, name, sightings, watcher))
    return flags


def _note(ci: CheckInput, message: str) -> Flag:
    return Flag("QA116", "info", 0, max(0, ci.frames - 1), 0.0, ci.t("QA116"), message)


def _judge(ci: CheckInput, name: str, sightings: list[Sighting], watcher: PropWatcher) -> list[Flag]:
    need, limit = watcher.min_inliers, watcher.colour_limit
    last = max(0, ci.frames - 1)
    matches = [watcher.matches(s) for s in sightings]
    found = [s for s in sightings if s.found]
    severity = severity_of("QA116")
    if not any(matches):
        if not found:
            most = max(s.inliers for s in sightings)
            return [Flag("QA116", severity, sightings[0].frame, last, float(most), float(need),
                         f"prop {name} not found: at most {most} features match its sheet on frames "
                         f"{sightings[0].frame}-{sightings[-1].frame} (the prop shows {need} or more)")]
        worst = float(np.median([s.colour for s in found if s.colour is not None] or [np.inf]))
        first = found[0]
        return [Flag("QA116", severity, first.frame, last, worst, limit,
                     f"prop {name} does not match its sheet's colour: CIEDE2000 {worst:.1f} from frame {first.frame} "
                     f"(its shape matches; the same prop in other light stays under {limit:.0f})", region=first.region)]
    # drift: matched at the start, then LOST_SAMPLES samples in a row without it
    start = matches.index(True)
    seen, missing = sightings[start], []
    for position in range(start + 1, len(sightings)):
        if matches[position]:
            seen, missing = sightings[position], []
            continue
        missing.append(sightings[position])
        if len(missing) >= LOST_SAMPLES:
            lost = missing[0]
            if _at_edge(seen.region) and not lost.found:  # it went out through the frame's edge: an exit, not a vanishing
                return [Flag("QA116", "info", lost.frame, last, float(lost.inliers), float(need),
                             f"prop {name} leaves the frame from frame {lost.frame} (last seen at its edge on frame {seen.frame})",
                             region=seen.region)]
            why = (f"colour CIEDE2000 {lost.colour:.1f} (the same prop stays under {limit:.0f})" if lost.found and lost.colour is not None
                   else f"{lost.inliers} features match (the prop shows {need} or more)")
            return [Flag("QA116", severity, lost.frame, last, float(lost.inliers), float(need),
                         f"prop {name} matches its sheet at the start, lost from frame {lost.frame}: {why}; "
                         f"last seen on frame {seen.frame}", region=seen.region)]
    return []


def _at_edge(region: tuple[float, float, float, float] | None) -> bool:
    """The prop's outline reaches the frame's edge (EDGE of the frame or closer): it may be leaving the picture."""
    if region is None:
        return False
    x, y, w, h = region
    return x <= EDGE or y <= EDGE or x + w >= 1 - EDGE or y + h >= 1 - EDGE


# --- QA208: across the cut -----------------------------------------------------------------------------


def cut_props(shots: Sequence[tuple[str, Sequence[dict[str, Any]]]], thresholds: dict[str, float]) -> list[Flag]:
    """QA208: ``shots`` in cut order as (shot id, prop results of its chosen take); one flag per differing pair."""
    limit = thresholds["QA208"]
    seen: dict[tuple[str, str], tuple[str, list]] = {}
    flags = []
    for index, (shot_id, props) in enumerate(shots):
        for entry in props:
            appearance = entry.get("appearance")
            if not appearance or not appearance.get("grid"):
                continue
            key = (entry["prop"], appearance["reference"])
            if key not in seen:
                seen[key] = (shot_id, appearance["grid"])
                continue
            first_shot, first_grid = seen[key]
            distance, cells = appearance_distance(first_grid, appearance["grid"])
            if distance is not None and distance > limit:
                flags.append(Flag("QA208", severity_of("QA208"), index, index, distance, limit,
                                  f"prop {entry['prop']} in {shot_id} does not look as in {first_shot}: colour CIEDE2000 {distance:.1f} "
                                  f"over {cells} common parts of its sheet (the same prop across shots stays under {limit:.0f})"))
    return flags


def appearance_distance(first: Sequence[Any], second: Sequence[Any]) -> tuple[float | None, int]:
    """Median CIEDE2000 over the grid cells both takes saw, after one lightness offset (another light is not another prop)."""
    import colour

    pairs = [(a, b) for a, b in zip(first, second) if a is not None and b is not None]
    if len(pairs) < 4:  # too little of the prop in common to compare
        return None, len(pairs)
    one = np.array([a for a, _ in pairs], np.float64)
    two = np.array([b for _, b in pairs], np.float64)
    two[:, 0] += np.median(one[:, 0] - two[:, 0])
    return float(np.median(colour.delta_E(one, two, method="CIE 2000"))), len(pairs)


CHECKS = (check_props,)
