"""What the grade measures on a shot: its subject's exposure, its neutral, contrast, saturation and grain.

Every measure reads a few frames spread over the used part of the take,
decoded small (``SAMPLE_SIZE``). The subject is found in this order:

1. faces, with OpenCV's Haar frontal and profile cascades (the models ship
   inside the opencv wheel, nothing is downloaded); QA runs the same
   cascade in ``qa/faces.py``, but grade sits below qa in the data flow and
   does not import it — :func:`find_faces` is the one place to unify later;
2. skin, with the hue-qualified skin key of :mod:`shotcraft.grade.ops`, in
   shots that show characters;
3. else the key region: the brightest quarter of the frame, where the key
   light falls.

Colour differences are CIEDE2000 in Sharma's formulation, checked against colour-science (the field's
reference implementation), whose whole-package import is too slow for a one-shot edit (see delta_e2000).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotcraft.grade import ops
from shotcraft.media.video import read_frames

SAMPLE_FRAMES = 6
SAMPLE_SIZE = (384, 216)
FACE_FRAMES = 3  # frames searched for faces (first, middle, last of the samples)
MIN_FACE_SHARE = 0.12  # smallest face looked for, as a share of the frame height
SKIN_KEY_MIN = 0.6  # clearly skin: skin-coloured walls and hair are weaker in the key
MIN_SKIN_SHARE = 0.03  # skin must cover this share of the frame to be the subject
KEY_REGION_SHARE = 0.25  # the key region: the brightest quarter of the frame
DECISION_PIXELS = 40_000
NEUTRAL_Y = 0.18  # neutrals are compared at mid-grey luminance: exposure is not a cast
CAST_AGREEMENT = 1.5  # a cast is light when every estimator sees it within this factor
CAST_AGREEMENT_ACROSS = 1.3  # stricter between shots of different kinds (a face against a wide: content differs)
FACE_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")


@dataclass(frozen=True)
class Sample:
    """Frames of one shot, decoded small: (K, H, W, 3) uint8."""

    frames: np.ndarray

    @property
    def pixels(self) -> np.ndarray:
        """(M, 3) float64 in [0, 1]."""
        return self.frames.reshape(-1, 3).astype(np.float64) / 255.0


def sample_take(path: Path, source_in: int, duration: int, *, count: int = SAMPLE_FRAMES, size: tuple[int, int] = SAMPLE_SIZE) -> Sample:
    """``count`` frames spread over the used part of a take (frames source_in .. source_in + duration)."""
    wanted = set(np.linspace(source_in, source_in + max(duration - 1, 0), count).round().astype(int).tolist())
    frames = list(read_frames(path, size=size, start=source_in, count=duration, only=wanted))
    if not frames:
        raise ValueError(f"{path}: no frames in {source_in}..{source_in + duration}")
    return Sample(np.stack(frames))


# --- the subject ------------------------------------------------------------------------------

_cascades: list[object] = []


def find_faces(frame: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Faces in an (H, W, 3) uint8 RGB frame as (x, y, w, h): frontal and profile (both directions)."""
    import cv2

    if not _cascades:
        for name in FACE_CASCADES:
            classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
            if not classifier.empty():
                _cascades.append(classifier)
    gray = cv2.equalizeHist(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
    height, width = gray.shape
    smallest = max(int(height * MIN_FACE_SHARE), 20)
    found: list[tuple[int, int, int, int]] = []
    for number, classifier in enumerate(_cascades):
        views = [(gray, False)] + ([(gray[:, ::-1], True)] if number > 0 else [])  # the profile cascade sees one side
        for image, mirrored in views:
            boxes = classifier.detectMultiScale(image, scaleFactor=1.15, minNeighbors=4, minSize=(smallest, smallest))  # type: ignore[attr-defined]
            for x, y, w, h in boxes:
                found.append((int(width - x - w) if mirrored else int(x), int(y), int(w), int(h)))
    return _merge_boxes(found)


def _merge_boxes(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Drop boxes mostly inside a bigger one (frontal and profile cascades find the same face)."""
    kept: list[tuple[int, int, int, int]] = []
    for box in sorted(boxes, key=lambda b: -b[2] * b[3]):
        x, y, w, h = box
        if not any(_overlap(box, other) > 0.5 * w * h for other in kept):
            kept.append(box)
    return kept


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(w, 0) * max(h, 0)


@dataclass(frozen=True)
class Subject:
    """Where the subject is in a sample: a mask over its pixels (K*H*W,) and how it was found."""

    mask: np.ndarray
    found_by: str  # "faces", "skin", "key region"
    faces: int = 0

    def every(self, step: int) -> Subject:
        """The same subject on every ``step``-th pixel (what :func:`decision_pixels` keeps)."""
        return Subject(self.mask[::step], self.found_by, self.faces)


def decision_step(count: int) -> int:
    """Pixel stride for the decisions: about ``DECISION_PIXELS`` pixels are plenty for percentiles and means."""
    return max(1, count // DECISION_PIXELS)


def find_subject(sample: Sample, *, look_for_people: bool) -> Subject:
    """The subject's pixels: faces, else skin (when the shot shows people), else the key region."""
    frames = sample.frames
    count, height, width = frames.shape[:3]
    pixels = sample.pixels
    if look_for_people:
        face_mask = np.zeros((count, height, width), dtype=bool)
        faces = 0
        for index in sorted(set(np.linspace(0, count - 1, min(FACE_FRAMES, count)).round().astype(int).tolist())):
            for x, y, w, h in find_faces(frames[index]):
                faces += 1
                # the face's inner part (no hair, no background at the edges)
                face_mask[index, y + h // 6 : y + h - h // 8, x + w // 6 : x + w - w // 6] = True
        if faces:
            inner = face_mask.reshape(-1)
            skin = inner & (ops.skin_key(pixels) > SKIN_KEY_MIN)
            return Subject(skin if skin.sum() >= 0.2 * inner.sum() else inner, "faces", faces)
        skin = ops.skin_key(pixels) > SKIN_KEY_MIN
        if skin.mean() >= MIN_SKIN_SHARE:
            return Subject(skin, "skin")
    luma = pixels @ ops.LUMA_709
    return Subject(luma >= np.quantile(luma, 1 - KEY_REGION_SHARE), "key region")


#: which percentile of the subject's L* is its key level: the lit side of a face; for skin found without a face,
#: higher (skin-coloured walls sit in the mask too, darker than the lit face); the middle of the key region
KEY_PERCENTILE = {"faces": 75, "skin": 90, "key region": 50}


def key_level(pixels: np.ndarray, subject: Subject) -> float:
    """The subject's key level in L* (see ``KEY_PERCENTILE``)."""
    chosen = pixels[subject.mask] if subject.mask.any() else pixels
    return float(np.percentile(ops.rgb_to_lab(chosen)[:, 0], KEY_PERCENTILE[subject.found_by]))


# --- colour statistics --------------------------------------------------------------------------


def _mid_tones(pixels: np.ndarray) -> np.ndarray:
    """Mask of the mid-tones by rank (not by level, so exposure does not change which pixels count), unclipped."""
    luma = pixels @ ops.LUMA_709
    low, high = np.quantile(luma, [0.05, 0.98])
    chosen = (luma >= low) & (luma <= high) & (pixels.max(axis=1) < 0.98) & (luma > 0.01)
    return chosen if chosen.sum() >= 64 else np.ones(len(pixels), dtype=bool)


def neutral_lab(pixels: np.ndarray) -> np.ndarray:
    """The shot's neutral by grey-world: the mid-tones' mean colour in linear light at mid-grey, as L*a*b*.

    A neutral shot measures (L*, 0, 0); a cyan cast a negative a*, an amber light a positive b*.
    """
    return _lab_at_mid_grey(ops.to_linear(pixels[_mid_tones(pixels)]).mean(axis=0))


def _lab_at_mid_grey(linear_rgb: np.ndarray) -> np.ndarray:
    scaled = linear_rgb * (NEUTRAL_Y / max(float(linear_rgb @ ops.LUMA_709), 1e-9))
    return ops.rgb_to_lab(ops.to_encoded(scaled)[None])[0]


def neutral_estimates(frames: np.ndarray) -> np.ndarray:
    """The light's colour by three classic illuminant estimators, (3, 3) L*a*b* at mid-grey.

    Grey-world (mean of the mid-tones), grey-edge (mean gradient per
    channel, van de Weijer et al. 2007: large flat coloured surfaces weigh
    little) and the least chromatic quarter of the mid-tones. Content biases
    them differently (a green door pulls grey-world, not the others); a
    cast over the whole frame moves all three alike. ``frames`` (K, H, W, 3)
    uint8 or float in [0, 1].
    """
    import cv2

    frames = np.asarray(frames)
    encoded = frames.astype(np.float64) / 255.0 if frames.dtype == np.uint8 else frames.astype(np.float64)
    pixels = encoded.reshape(-1, 3)
    grey_world = neutral_lab(pixels)
    gradients = []
    for frame in ops.to_linear(encoded).astype(np.float32):
        blurred = cv2.GaussianBlur(frame, (0, 0), 1.0)
        gradients.append(np.stack([np.hypot(cv2.Sobel(blurred[..., c], cv2.CV_32F, 1, 0), cv2.Sobel(blurred[..., c], cv2.CV_32F, 0, 1)) for c in range(3)], -1).reshape(-1, 3))
    grey_edge = _lab_at_mid_grey(np.concatenate(gradients).astype(np.float64).mean(axis=0))
    mid = pixels[_mid_tones(pixels)]
    linear = ops.to_linear(mid)
    chromaticity = linear / np.maximum(linear.sum(axis=1, keepdims=True), 1e-9)  # exposure does not move it
    spread = np.linalg.norm(chromaticity - 1 / 3, axis=1)
    least_chromatic = _lab_at_mid_grey(linear[spread <= np.quantile(spread, 0.25)].mean(axis=0))
    return np.stack([grey_world, grey_edge, least_chromatic])


def consensus_cast(own: np.ndarray, reference: np.ndarray, agreement: float = CAST_AGREEMENT) -> np.ndarray:
    """The cast (Δa*, Δb*) of a shot against its reference that every estimator agrees on.

    Per axis: the estimators' median difference when they all point the
    same way with magnitudes within a factor ``agreement`` of each
    other, else nothing (the difference is content, not light: a warm wooden
    table moves grey-world far more than grey-edge).
    """
    differences = np.asarray(own)[:, 1:] - np.asarray(reference)[:, 1:]
    same_way = np.all(differences > 0, axis=0) | np.all(differences < 0, axis=0)
    magnitudes = np.abs(differences)
    alike = magnitudes.min(axis=0) * agreement >= magnitudes.max(axis=0)
    return np.median(differences, axis=0) * (same_way & alike)


def cast_de2000(cast: np.ndarray) -> float:
    """A (Δa*, Δb*) cast at mid-grey as a CIEDE2000 distance."""
    grey = np.array([50.0, 0.0, 0.0])
    return float(delta_e2000(grey + np.array([0.0, *cast]), grey))


def contrast_of(pixels: np.ndarray) -> float:
    """Spread of lightness: the standard deviation of L*."""
    return float(ops.rgb_to_lab(pixels)[:, 0].std())


def saturation_of(pixels: np.ndarray) -> float:
    """Mean chroma C*ab of the pixels that are not near black."""
    lab = ops.rgb_to_lab(pixels)
    lit = lab[:, 0] > 8
    chosen = lab[lit] if lit.any() else lab
    return float(np.hypot(chosen[:, 1], chosen[:, 2]).mean())


def grain_of(frames: np.ndarray) -> float:
    """Noise already in the frames, in 8-bit code values (sigma), by Immerkaer's fast estimator.

    The Laplacian difference kernel cancels smooth image structure; its mean
    absolute response on the flattest half of the frame is proportional to sigma.
    """
    import cv2

    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
    values = []
    for frame in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
        response = np.abs(cv2.filter2D(gray, -1, kernel))[1:-1, 1:-1]
        # edges and texture would read as noise: keep the half of the frame with the least structure
        blurred = cv2.GaussianBlur(gray, (0, 0), 2.0)
        structure = np.hypot(cv2.Sobel(blurred, cv2.CV_32F, 1, 0), cv2.Sobel(blurred, cv2.CV_32F, 0, 1))[1:-1, 1:-1]
        flat = structure <= np.median(structure)
        values.append(float(response[flat].mean()) * np.sqrt(np.pi / 2) / 6)
    return float(np.median(values))


def delta_e2000(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """CIEDE2000 between L*a*b* arrays (same shape, last axis L*, a*, b*).

    Written out (Sharma, Wu and Dalal 2005, the formulation colour-science implements) rather than called from
    colour-science: importing that package loads every submodule, its plotting included (about 1.3 CPU-s, 4 s wall
    on two loaded cores), which a one-shot edit paid in the grade of its one shot. tests/grade/test_measure.py checks
    it against colour-science's ``delta_E(method="CIE 2000")`` and Sharma's published test pairs.
    """
    lab1, lab2 = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360)
    chroma_product = c1p * c2p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(chroma_product == 0, 0.0, dh)
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * np.sqrt(chroma_product) * np.sin(np.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    hp_bar = np.where(np.abs(h1p - h2p) > 180, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2), h_sum / 2)
    hp_bar = np.where(chroma_product == 0, h_sum, hp_bar)
    t = (1 - 0.17 * np.cos(np.radians(hp_bar - 30)) + 0.24 * np.cos(np.radians(2 * hp_bar))
         + 0.32 * np.cos(np.radians(3 * hp_bar + 6)) - 0.20 * np.cos(np.radians(4 * hp_bar - 63)))  # fmt: skip
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7)) * np.sin(np.radians(60 * np.exp(-(((hp_bar - 275) / 25) ** 2))))
    return np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def mean_delta_e2000(first_rgb: np.ndarray, second_rgb: np.ndarray) -> float:
    """Mean per-pixel CIEDE2000 between two same-shaped display RGB arrays in [0, 1]."""
    return float(delta_e2000(ops.rgb_to_lab(first_rgb.reshape(-1, 3)), ops.rgb_to_lab(second_rgb.reshape(-1, 3))).mean())


def hue_deg(lab: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360)


@dataclass(frozen=True)
class ShotStats:
    """The numbers the grade report shows for one shot, before or after the grade."""

    level: float  # subject key level, L*
    neutral: tuple[float, float, float]  # grey-world L*a*b* at mid-grey
    estimates: np.ndarray  # (3, 3) neutral estimates (see :func:`neutral_estimates`)
    contrast: float
    saturation: float

    @classmethod
    def of(cls, pixels: np.ndarray, subject: Subject, estimates: np.ndarray) -> ShotStats:
        neutral = tuple(float(v) for v in estimates[0])
        return cls(key_level(pixels, subject), neutral, estimates, contrast_of(pixels), saturation_of(pixels))  # type: ignore[arg-type]

    def cast_against(self, other: ShotStats) -> float:
        """The cast between two shots that every estimator agrees on, as ΔE2000."""
        return cast_de2000(consensus_cast(self.estimates, other.estimates))

    def to_dict(self) -> dict[str, object]:
        return {"level": round(self.level, 2), "neutral": [round(v, 2) for v in self.neutral],
                "contrast": round(self.contrast, 2), "saturation": round(self.saturation, 2)}  # fmt: skip


def stops_between(level_before: float, level_after: float) -> float:
    """Exposure change in stops between two L* levels (through relative luminance Y)."""
    return float(np.log2(max(_l_to_y(level_after), 1e-6) / max(_l_to_y(level_before), 1e-6)))


def _l_to_y(level: float) -> float:
    f = (level + 16) / 116
    return f**3 if f > 6 / 29 else 3 * (6 / 29) ** 2 * (f - 4 / 29)
