"""Face instability (QA112): faces that vanish mid-shot, jump, or change appearance between frames.

The detector is OpenCV's Haar frontal-face cascade, whose model ships inside
the opencv-python wheel (``cv2.data.haarcascades``; nothing is downloaded).
OpenCV 5 wheels dropped the cascade classifier, hence the ``<5`` pin.

Detection runs on the RGB proxy every ``FACE_STRIDE`` frames: over the whole
frame once a second, in between only around faces seen in the last samples
(a new face is found within a second; a known one is followed 4 times a
second at a fraction of the cost, and when it goes missing the whole frame
is searched again at once). Detections are
chained into tracks between consecutive samples; a track that has been seen
on several samples is then watched for: a jump of its box by more than
``QA112`` face widths between samples, a gap (the face vanishes and comes
back at the same place), and an abrupt change of its normalised appearance
(``QA112.appearance``, 1 - correlation of 24x24 grey crops).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from shotcraft.qa.context import CheckInput
from shotcraft.qa.decode import DecodedFrame
from shotcraft.qa.model import Flag
from shotcraft.qa.thresholds import severity_of

FACE_STRIDE = 6  # 4 detections per second at 24 fps (the detector is the costliest check)
SCALE_FACTOR = 1.25  # pyramid step: every drawn test face from 22 % to 95 % of the height is found
MIN_FACE = 0.16  # smallest face judged, as a share of the frame height (smaller faces: wide shots)
MIN_NEIGHBORS = 3
MIN_TRACK_SAMPLES = 4  # a face seen on fewer samples is not judged (detector noise)
MAX_GAP_SAMPLES = 3  # samples a track may miss and still continue
FULL_SCAN_EVERY = 4  # samples: a whole-frame search once a second, in between only around known faces
SIGNATURE_SIZE = 24
CASCADE_FILE = "haarcascade_frontalface_default.xml"


class FaceCascade:
    """OpenCV's frontal-face cascade behind the one call the tracker makes."""

    def __init__(self, path: str) -> None:
        self._classifier = cv2.CascadeClassifier(path)
        if self._classifier.empty():
            raise ValueError(f"cannot load {path}")

    def detect(self, gray: np.ndarray, *, scale_factor: float = 1.2, min_neighbors: int = 3,
               min_size: int = 24, max_size: int | None = None) -> list[tuple[int, int, int, int]]:
        """Faces in a grey uint8 image as (x, y, w, h)."""
        limit = max_size or max(gray.shape)
        found = self._classifier.detectMultiScale(
            gray, scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=(min_size, min_size), maxSize=(limit, limit)
        )
        return sorted((int(x), int(y), int(w), int(h)) for x, y, w, h in found)


def detector() -> tuple[FaceCascade | None, str]:
    """(cascade, description) or (None, why not)."""
    try:
        path = cv2.data.haarcascades + CASCADE_FILE
        return FaceCascade(path), f"Haar frontal face cascade (OpenCV {cv2.__version__}, {CASCADE_FILE})"
    except (AttributeError, ValueError, cv2.error) as exc:
        return None, f"OpenCV face cascade unavailable ({exc})"


@dataclass
class Detection:
    frame: int
    box: tuple[float, float, float, float]  # x, y, w, h as fractions of the frame
    signature: np.ndarray


@dataclass
class Track:
    detections: list[Detection] = field(default_factory=list)

    @property
    def last(self) -> Detection:
        return self.detections[-1]


class FaceTracker:
    """Fed every decoded frame; detects faces on a stride and chains them into tracks."""

    def __init__(self) -> None:
        self.cascade, self.description = detector()
        self.samples: list[int] = []
        self.detections: list[list[Detection]] = []

    def update(self, frame: DecodedFrame) -> None:
        if self.cascade is None or frame.index % FACE_STRIDE:
            return
        gray = cv2.equalizeHist(cv2.cvtColor(frame.proxy, cv2.COLOR_RGB2GRAY))
        height, width = gray.shape
        sample = len(self.samples)
        recent = [d for found in self.detections[-MAX_GAP_SAMPLES:] for d in found]
        boxes = None
        if sample % FULL_SCAN_EVERY and recent:
            boxes = self._around(gray, recent)  # between full scans, look only where faces were
            if len(boxes) < len(self.detections[-1]):
                boxes = None  # a face went missing: look everywhere (did it jump?)
        if boxes is None and (sample % FULL_SCAN_EVERY == 0 or recent):
            boxes = self.cascade.detect(gray, scale_factor=SCALE_FACTOR, min_neighbors=MIN_NEIGHBORS,
                                        min_size=max(24, int(min(width, height) * MIN_FACE)))
        boxes = boxes or []
        found = []
        for x, y, w, h in boxes:
            crop = cv2.resize(gray[y : y + h, x : x + w], (SIGNATURE_SIZE, SIGNATURE_SIZE), interpolation=cv2.INTER_AREA)
            found.append(Detection(frame.index, (x / width, y / height, w / width, h / height), _normalise(crop)))
        self.samples.append(frame.index)
        self.detections.append(found)

    def _around(self, gray: np.ndarray, recent: list[Detection]) -> list[tuple[int, int, int, int]]:
        """Detect inside a window three face-widths wide around each recently seen face."""
        height, width = gray.shape
        boxes: list[tuple[int, int, int, int]] = []
        for detection in recent:
            x, y, w, h = detection.box
            fx, fy, fw, fh = x * width, y * height, w * width, h * height
            x0, y0 = max(0, int(fx - fw)), max(0, int(fy - fh))
            x1, y1 = min(width, int(fx + 2 * fw)), min(height, int(fy + 2 * fh))
            if x1 - x0 < 24 or y1 - y0 < 24:
                continue
            found = self.cascade.detect(gray[y0:y1, x0:x1], scale_factor=SCALE_FACTOR, min_neighbors=MIN_NEIGHBORS,
                                        min_size=max(24, int(fw * 0.6)), max_size=int(fw * 1.6) + 1)
            for bx, by, bw, bh in found:
                box = (bx + x0, by + y0, bw, bh)
                if all(_distance(_fraction(box, width, height), _fraction(b, width, height)) > 0.5 for b in boxes):
                    boxes.append(box)
        return boxes

    def tracks(self, gate: float = 1.0) -> list[Track]:
        """Chain detections sample to sample: a face continues a track when it is within ``gate`` face widths."""
        tracks: list[Track] = []
        open_tracks: list[Track] = []
        for sample, found in zip(self.samples, self.detections):
            unmatched = list(found)
            still_open = []
            for track in open_tracks:
                best = min(unmatched, key=lambda d: _distance(track.last.box, d.box), default=None)
                if best is not None and _distance(track.last.box, best.box) <= gate and _similar_size(track.last.box, best.box):
                    track.detections.append(best)
                    unmatched.remove(best)
                    still_open.append(track)
                elif (sample - track.last.frame) // FACE_STRIDE <= MAX_GAP_SAMPLES:
                    still_open.append(track)  # missed for a while; it may come back
            for detection in unmatched:
                track = Track([detection])
                tracks.append(track)
                still_open.append(track)
            open_tracks = still_open
        return tracks

    def summary(self) -> dict[str, Any]:
        if self.cascade is None:
            return {"detector": None, "reason": self.description}
        counts = [len(found) for found in self.detections]
        return {
            "detector": self.description,
            "sampled_frames": len(self.samples),
            "frames_with_faces": sum(1 for c in counts if c),
            "max_faces": max(counts, default=0),
            "tracks": sum(1 for t in self.tracks() if len(t.detections) >= MIN_TRACK_SAMPLES),
        }


def check_faces(ci: CheckInput) -> list[Flag]:
    tracker = ci.face_tracker
    if tracker is None or tracker.cascade is None:
        return []
    jump_limit, look_limit = ci.t("QA112"), ci.t("QA112.appearance")
    tracks = tracker.tracks(gate=jump_limit)
    flags = []
    for track in tracks:
        if len(track.detections) < MIN_TRACK_SAMPLES:
            continue
        for before, after in zip(track.detections, track.detections[1:]):
            missed = (after.frame - before.frame) // FACE_STRIDE - 1
            if missed >= 2:
                flags.append(Flag("QA112", severity_of("QA112"), before.frame + 1, after.frame - 1, float(missed * FACE_STRIDE), 2.0 * FACE_STRIDE,
                                  f"face vanishes for about {missed * FACE_STRIDE} frames mid-shot and comes back", region=_grow(after.box)))
                continue
            change = 1.0 - float((before.signature * after.signature).mean())
            if change > look_limit:
                flags.append(Flag("QA112", severity_of("QA112.appearance"), before.frame, after.frame, change, look_limit,
                                  f"face changes appearance abruptly between frames {before.frame} and {after.frame}", region=_grow(after.box)))
    # a face that ends where another of the same size begins, far away and at once: a jump, not two faces
    for first in tracks:
        for second in tracks:
            if first is second or len(first.detections) + len(second.detections) < MIN_TRACK_SAMPLES:
                continue
            a, b = first.last, second.detections[0]
            gap = b.frame - a.frame
            if 0 < gap <= (MAX_GAP_SAMPLES + 1) * FACE_STRIDE and _similar_size(a.box, b.box) and not _alive_at(first, b.frame) and not _alive_at(second, a.frame):
                jump = _distance(a.box, b.box)
                if jump > jump_limit:
                    how = "jumps" if gap <= FACE_STRIDE else f"vanishes and reappears {gap} frames later"
                    flags.append(Flag("QA112", severity_of("QA112"), a.frame, b.frame, jump, jump_limit,
                                      f"face {how} {jump:.1f} face widths away (frames {a.frame}-{b.frame})", region=_grow(b.box)))
    return sorted(flags, key=lambda f: (f.start_frame, f.message))


def _fraction(box: tuple[int, int, int, int], width: int, height: int) -> tuple[float, float, float, float]:
    return (box[0] / width, box[1] / height, box[2] / width, box[3] / height)


def _alive_at(track: Track, frame: int) -> bool:
    return track.detections[0].frame <= frame <= track.last.frame


def _similar_size(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return 0.7 <= a[2] / max(b[2], 1e-6) <= 1.43


def _distance(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Centre distance in face widths (the larger face)."""
    ax, ay = a[0] + a[2] / 2, a[1] + a[3] / 2
    bx, by = b[0] + b[2] / 2, b[1] + b[3] / 2
    return math.hypot(ax - bx, ay - by) / max(a[2], b[2], 1e-6)


def _grow(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return (max(0.0, x - w / 2), max(0.0, y - h / 2), min(1.0, w * 2), min(1.0, h * 2))


def _normalise(crop: np.ndarray) -> np.ndarray:
    values = crop.astype(np.float32)
    values -= values.mean()
    return values / (values.std() + 1e-3)


CHECKS = (check_faces,)
