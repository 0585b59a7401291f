"""Face tracks and their stability (QA112): faces that vanish, jump, melt or turn into someone else mid-shot.

Models: :mod:`shotcraft.qa.face_models` (dlib HOG detector, 68 landmarks,
ResNet descriptor; why these, with the measured comparison, is written there).

Detection runs on a 640 px RGB image every ``FACE_STRIDE`` frames: over the
whole frame once a second, in between only around the faces seen in the last
samples (a face going missing triggers a whole-frame search at once).
Detections are chained into tracks. Each detection keeps its landmarks, a
small aligned grey chip (its *signature*: cheap, compared every sample) and
a 150 px aligned chip for the identity descriptor, which costs ~90 ms and is
therefore computed lazily: at a track's start, whenever the signature has
moved since the last descriptor, and on both sides of an abrupt change.

When the signature jumps between two samples, the frames in between (kept
as proxies in a small ring buffer) are re-measured at the tracked position
to find the frame where the change happens, so a face swapped at frame N
is reported at N, not at the next sample.

Profiles: the Haar profile cascade of :mod:`shotcraft.qa.face_models` runs
on every sample where a face was seen lately and on every full scan. A
profile detection joins the same tracks (a head that turns from frontal to
profile stays one face, so losing it to the frontal model is never a
"vanish" or a "melt"); it has no landmarks and no identity descriptor, so on
a profile QA judges presence, jumps, vanishing and melting into a smear
(:func:`_lost_flags`), not identity: a track seen only in profile is
counted in ``profile_tracks`` and left out of QA112's identity test, QA115
and QA207.

Flags (all QA112, major): a face that vanishes for 2+ samples mid-shot and
comes back; a face that jumps more than ``QA112`` face widths; a face whose
identity descriptor moves more than ``QA112.identity`` from what the same
track showed earlier (abruptly: "turns into another face"; gradually with
its landmarks distorting or its detail collapsing: "melts"). A pose,
expression, crop or lighting change keeps the descriptor of the same person
well under the limit (measured on the corpus: 0.05-0.3 against 0.6-0.9 for
another person).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from shotcraft.qa.context import CheckInput
from shotcraft.qa.decode import FACE_STRIDE, DecodedFrame
from shotcraft.qa.face_models import box_overlap, face_models, identity_distance
from shotcraft.qa.model import Flag
from shotcraft.qa.thresholds import severity_of

MIN_FACE = 0.18  # smallest face judged, as a share of the frame height (smaller faces: wide shots; HOG needs ~70 px)
MIN_TRACK_SAMPLES = 4  # a face seen on fewer samples is not judged (detector noise)
MAX_GAP_SAMPLES = 3  # samples a track may miss and still continue
FULL_SCAN_EVERY = 4  # samples: a whole-frame search once a second, in between only around known faces
MIN_SCORE = 0.1  # HOG detection score under which a detection is ignored (textures that look like a face)
SIGNATURE_SIZE = 40
SIGNATURE_STEP = 0.12  # signature change since the last descriptor that asks for a new descriptor
ABRUPT = 0.3  # signature change between consecutive samples that is looked at frame by frame
MAX_DESCRIPTORS_PER_TRACK = 12  # a bound on the cost of a long shot
WINDOW_FACE_PX = 100  # between full scans a known face is searched for at about this size
MELT_DETAIL = 0.85  # a lost face whose place keeps less than this share of its detail melted (corpus: melt 0.75, clean faces stay detected)


@dataclass
class Detection:
    frame: int
    box: tuple[float, float, float, float]  # x, y, w, h as fractions of the frame
    signature: np.ndarray  # normalised aligned grey chip
    shape: np.ndarray  # 68 x 2 landmarks, in face widths around the face centre
    detail: float  # high-frequency energy of the aligned chip / its contrast
    chip: np.ndarray | None = field(default=None, repr=False)  # 150 px aligned RGB chip for the descriptor
    embedding: np.ndarray | None = field(default=None, repr=False)
    refined: bool = False  # measured between samples, to place a change on its frame
    region_detail: float = 0.0  # high-frequency energy of the face box (grey), for faces the detector loses
    profile: str | None = None  # "left"/"right" (where a profile looks) for the profile detector's faces; None: frontal


@dataclass
class Track:
    detections: list[Detection] = field(default_factory=list)

    @property
    def last(self) -> Detection:
        return self.detections[-1]

    @property
    def first_frame(self) -> int:
        return self.detections[0].frame

    @property
    def last_frame(self) -> int:
        return self.detections[-1].frame


class FaceTracker:
    """Fed every decoded frame; detects faces on a stride, measures them and chains them into tracks."""

    def __init__(self) -> None:
        self.models, self.description = face_models()
        self.samples: list[int] = []
        self.detections: list[list[Detection]] = []
        self._between: deque[DecodedFrame] = deque(maxlen=FACE_STRIDE)
        self._tracks: tuple[float, list[Track]] | None = None
        self.descriptors_computed = 0
        self.refined: list[Detection] = []  # detections between samples that place a change on its frame
        self.lost: list[tuple[int, Detection, float]] = []  # (frame, last detection, region detail there now)

    # --- the decode pass ---------------------------------------------------------------------------------------

    def update(self, frame: DecodedFrame) -> None:
        if self.models is None:
            return
        if frame.face is None:
            self._between.append(frame)
            return
        image = frame.face
        height, width = image.shape[:2]
        sample = len(self.samples)
        recent_any = [d for found in self.detections[-MAX_GAP_SAMPLES:] for d in found]
        recent = [d for d in recent_any if d.profile is None]
        full_scan = sample % FULL_SCAN_EVERY == 0
        boxes = None
        frontal_lost = False
        if not full_scan and recent:
            boxes = self._around(image, recent)  # between full scans, look only where faces were
            if len(boxes) < sum(d.profile is None for d in self.detections[-1]):
                boxes, frontal_lost = None, True  # a face went missing: look everywhere (did it jump? did it turn?)
        # profiles (the cascade costs more than HOG's windows): both sides on the first sample, while a profile is
        # being followed and when a frontal face is lost (it may have turned); on the other full scans one side in
        # turn (a profile looking the other way is found a second later; the search costs half)
        profiles = []
        if sample == 0 or frontal_lost or any(d.profile for d in recent_any):
            profiles = self.models.detect_profiles(image, int(MIN_FACE * height))
        elif full_scan:
            side = ("left", "right")[(sample // FULL_SCAN_EVERY) % 2]
            profiles = self.models.detect_profiles(image, int(MIN_FACE * height), sides=(side,))
        lost_profile = any(d.profile and all(box_overlap(d.box, _fraction(p, width, height)) < 0.3 for p in profiles)
                           for d in (self.detections[-1] if self.detections else []))
        if boxes is None and (full_scan or recent or lost_profile):
            boxes = [b for b in self.models.detect(image) if b[3] >= MIN_FACE * height and b[4] >= MIN_SCORE]
        found = [self._measure(image, frame.index, box[:4], with_chip=True) for box in boxes or []]
        for box in profiles:  # a profile box on a frontal detection is the same face: the frontal one has landmarks
            fraction = _fraction(box, width, height)
            if all(box_overlap(fraction, d.box) < 0.3 for d in found):
                found.append(self._measure_profile(image, frame.index, box[:4], box[5]))
        previous = self.detections[-1] if self.detections else []
        self.samples.append(frame.index)
        self.detections.append(found)
        for detection in found:
            before = _nearest(previous, detection)
            if before is not None and _change(before, detection) > ABRUPT:
                self._refine(before, detection)
        for before in previous:
            if before.refined or any(_nearest([before], d) is not None for d in found):
                continue
            # the detector lost a face: what does its place look like now? (smeared: it melted; detailed: it turned away)
            self.lost.append((frame.index, before, _region_detail(image, before.box)))
        self._between.clear()
        self._tracks = None

    def _around(self, image: np.ndarray, recent: list[Detection]) -> list[tuple[int, int, int, int, float]]:
        """Detect inside a window three face-widths wide around each recently seen face."""
        height, width = image.shape[:2]
        boxes: list[tuple[int, int, int, int, float]] = []
        for detection in recent:
            x, y, w, h = detection.box
            fx, fy, fw, fh = x * width, y * height, w * width, h * height
            x0, y0 = max(0, int(fx - fw)), max(0, int(fy - fh))
            x1, y1 = min(width, int(fx + 2 * fw)), min(height, int(fy + 2 * fh))
            if x1 - x0 < 80 or y1 - y0 < 80:
                continue
            # a large face is found as well at ~100 px: shrink its window (HOG's cost is its pixel count)
            shrink = min(1.0, WINDOW_FACE_PX / max(fh, 1.0))
            window = image[y0:y1, x0:x1]
            if shrink < 0.95:
                window = cv2.resize(window, (max(1, int((x1 - x0) * shrink)), max(1, int((y1 - y0) * shrink))), interpolation=cv2.INTER_AREA)
            for bx, by, bw, bh, score in self.models.detect(window):
                bx, by, bw, bh = (v / shrink for v in (bx, by, bw, bh))
                box = (int(bx + x0), int(by + y0), int(bw), int(bh), score)
                if bh >= MIN_FACE * height and score >= MIN_SCORE and all(
                    _distance(_fraction(box, width, height), _fraction(b, width, height)) > 0.5 for b in boxes
                ):
                    boxes.append(box)
        return boxes

    def _measure(self, image: np.ndarray, index: int, box, *, with_chip: bool) -> Detection:
        height, width = image.shape[:2]
        shape = self.models.shape(image, box)
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
        x, y, w, h = box
        centre = np.array([x + w / 2, y + h / 2], dtype=np.float32)
        small = cv2.cvtColor(self.models.chip(image, shape, size=SIGNATURE_SIZE, padding=0.1), cv2.COLOR_RGB2GRAY).astype(np.float32)
        signature = (small - small.mean()) / (small.std() + 1e-3)
        lap = cv2.Laplacian(small, cv2.CV_32F)
        detail = float(np.abs(lap).mean()) / (float(small.std()) + 1.0)
        chip = self.models.chip(image, shape) if with_chip else None
        box_fraction = (x / width, y / height, w / width, h / height)
        return Detection(index, box_fraction, signature, (points - centre) / max(w, 1), detail, chip,
                         region_detail=_region_detail(image, box_fraction))

    def _measure_profile(self, image: np.ndarray, index: int, box, side: str) -> Detection:
        """A profile face: its box's grey picture (mirrored to face left) as signature; no landmarks, no chip."""
        height, width = image.shape[:2]
        x, y, w, h = (int(v) for v in box)
        grey = cv2.cvtColor(np.ascontiguousarray(image[max(0, y):y + h, max(0, x):x + w]), cv2.COLOR_RGB2GRAY)
        if side == "right":
            grey = cv2.flip(grey, 1)
        small = cv2.resize(grey, (SIGNATURE_SIZE, SIGNATURE_SIZE), interpolation=cv2.INTER_AREA).astype(np.float32)
        signature = (small - small.mean()) / (small.std() + 1e-3)
        detail = float(np.abs(cv2.Laplacian(small, cv2.CV_32F)).mean()) / (float(small.std()) + 1.0)
        box_fraction = (x / width, y / height, w / width, h / height)
        return Detection(index, box_fraction, signature, np.zeros((0, 2), np.float32), detail, None,
                         region_detail=_region_detail(image, box_fraction), profile=side)

    def _refine(self, before: Detection, after: Detection) -> None:
        """Re-measure the proxies between two samples at the tracked place: where does the change happen?"""
        between = [f for f in self._between if before.frame < f.index < after.frame]
        if not between or before.profile or after.profile:  # placed by landmarks: frontal faces only
            return
        measured = []
        for frame in between:
            image = frame.proxy
            h, w = image.shape[:2]
            t = (frame.index - before.frame) / (after.frame - before.frame)
            box = tuple((1 - t) * a + t * b for a, b in zip(before.box, after.box))
            pixels = (box[0] * w, box[1] * h, box[2] * w, box[3] * h)
            measured.append(self._measure(image, frame.index, pixels, with_chip=True))
        # the in-between frames are measured on the proxy, the samples on the face image: both are reduced to the
        # same small aligned chip, so their signatures compare
        for detection in measured:
            to_before = 1.0 - float((detection.signature * before.signature).mean())
            to_after = 1.0 - float((detection.signature * after.signature).mean())
            if to_after < to_before:
                detection.refined = True
                self.refined.append(detection)  # beside the samples: gaps and tracks are counted on samples
                return

    # --- after the pass ----------------------------------------------------------------------------------------

    def tracks(self, gate: float = 1.0) -> list[Track]:
        """Chain detections sample to sample: a face continues a track when it is within ``gate`` face widths."""
        if self._tracks is not None and self._tracks[0] == gate:
            return self._tracks[1]
        tracks: list[Track] = []
        open_tracks: list[Track] = []
        for sample, found in zip(self.samples, self.detections):
            unmatched = [d for d in found if not d.refined]
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
        for refined in self.refined:
            owner = min(tracks, key=lambda t: _gap_to(t, refined), default=None)
            if owner is not None and _gap_to(owner, refined) <= FACE_STRIDE:
                owner.detections.append(refined)
                owner.detections.sort(key=lambda d: d.frame)
        self._tracks = (gate, tracks)
        return tracks

    def embedding(self, detection: Detection) -> np.ndarray | None:
        """The identity descriptor of one detection, computed on first use."""
        if detection.embedding is None and detection.chip is not None and self.models is not None:
            detection.embedding = self.models.embed(detection.chip)
            self.descriptors_computed += 1
        return detection.embedding

    def judged_tracks(self, gate: float = 1.0) -> list[Track]:
        return [t for t in self.tracks(gate) if sum(not d.refined for d in t.detections) >= MIN_TRACK_SAMPLES]

    def identity_points(self, track: Track) -> list[tuple[Detection, np.ndarray]]:
        """(detection, descriptor) along a track: its start, wherever its signature moved, both sides of jumps."""
        chosen: list[Detection] = []
        reference: Detection | None = None
        frontal = [d for d in track.detections if d.profile is None]  # profiles have no descriptor
        if not frontal:
            return []
        for index, detection in enumerate(frontal):
            previous = frontal[index - 1] if index else None
            abrupt = previous is not None and _change(previous, detection) > ABRUPT
            if reference is None or abrupt or _change(reference, detection) > SIGNATURE_STEP:
                if abrupt and previous is not None and previous not in chosen:
                    chosen.append(previous)
                chosen.append(detection)
                reference = detection
        if frontal[-1] not in chosen:
            chosen.append(frontal[-1])
        if len(chosen) > MAX_DESCRIPTORS_PER_TRACK:
            keep = np.linspace(0, len(chosen) - 1, MAX_DESCRIPTORS_PER_TRACK).round().astype(int)
            chosen = [chosen[i] for i in sorted(set(keep))]
        points = []
        for detection in chosen:
            vector = self.embedding(detection)
            if vector is not None:
                points.append((detection, vector))
        return points

    def summary(self) -> dict[str, Any]:
        if self.models is None:
            return {"detector": None, "reason": self.description}
        counts = [len([d for d in found if not d.refined]) for found in self.detections]
        judged = self.judged_tracks()
        return {
            "detector": self.description,
            "sampled_frames": len(self.samples),
            "frames_with_faces": sum(1 for c in counts if c),
            "max_faces": max(counts, default=0),
            "tracks": len(judged),
            # seen only in profile: presence, jumps and melting judged; identity (QA112's identity test, QA115, QA207) not
            "profile_tracks": sum(all(d.profile for d in t.detections) for t in judged),
            "profile_detections": sum(1 for found in self.detections for d in found if d.profile),
            "descriptors": self.descriptors_computed,
        }


def check_faces(ci: CheckInput) -> list[Flag]:
    tracker = ci.face_tracker
    if tracker is None or tracker.models is None:
        return []
    jump_limit, identity_limit = ci.t("QA112"), ci.t("QA112.identity")
    tracks = tracker.tracks(gate=jump_limit)
    judged = tracker.judged_tracks(jump_limit)
    flags: list[Flag] = []
    for track in judged:
        samples = [d for d in track.detections if not d.refined]
        for before, after in zip(samples, samples[1:]):
            missed = (after.frame - before.frame) // FACE_STRIDE - 1
            if missed >= 2 and not _cut_between(ci, before.frame, after.frame):
                flags.append(Flag("QA112", severity_of("QA112"), before.frame + 1, after.frame - 1, float(missed * FACE_STRIDE), 2.0 * FACE_STRIDE,
                                  f"face vanishes for about {missed * FACE_STRIDE} frames mid-shot and comes back", region=_grow(after.box)))
        identity = _identity_flags(ci, tracker, track, identity_limit)
        flags.extend(identity or _lost_flags(ci, tracker, track))
    # a face that ends where another of the same size begins, far away and at once: a jump, not two faces
    for first in tracks:
        for second in tracks:
            if first is second or len(first.detections) + len(second.detections) < MIN_TRACK_SAMPLES:
                continue
            a, b = first.last, second.detections[0]
            gap = b.frame - a.frame
            if (0 < gap <= (MAX_GAP_SAMPLES + 1) * FACE_STRIDE and _similar_size(a.box, b.box) and not _alive_at(first, b.frame)
                    and not _alive_at(second, a.frame) and not _cut_between(ci, a.frame, b.frame)):
                jump = _distance(a.box, b.box)
                if jump > jump_limit:
                    how = "jumps" if gap <= FACE_STRIDE else f"vanishes and reappears {gap} frames later"
                    flags.append(Flag("QA112", severity_of("QA112"), a.frame, b.frame, jump, jump_limit,
                                      f"face {how} {jump:.1f} face widths away (frames {a.frame}-{b.frame})", region=_grow(b.box)))
    return sorted(flags, key=lambda f: (f.start_frame, f.message))


def _identity_flags(ci: CheckInput, tracker: FaceTracker, track: Track, limit: float) -> list[Flag]:
    """The same track's face moving away from what it was: abruptly (another face) or gradually (melting)."""
    points = tracker.identity_points(track)
    if len(points) < 2:
        return []
    # compare each point with the track's face before it changed: the first point of its segment
    anchor_detection, anchor = points[0]
    for (before, before_vector), (after, after_vector) in zip(points, points[1:]):
        if _cut_between(ci, before.frame, after.frame):
            anchor_detection, anchor = after, after_vector
            continue
        step = identity_distance(before_vector, after_vector)
        drift = identity_distance(anchor, after_vector)
        if step > limit:
            return [Flag("QA112", severity_of("QA112.identity"), after.frame, track.last_frame, step, limit,
                         f"face turns into another face at frame {after.frame} (identity distance {step:.2f} from frame {before.frame}; "
                         f"the same person stays under {limit:.2f})", region=_grow(after.box))]
        if drift > limit:
            shape_change = float(np.sqrt(((after.shape - anchor_detection.shape) ** 2).sum(axis=1).mean()))
            detail = after.detail / max(anchor_detection.detail, 1e-3)
            return [Flag("QA112", severity_of("QA112.identity"), after.frame, track.last_frame, drift, limit,
                         f"face melts from frame {after.frame}: identity distance {drift:.2f} from frame {anchor_detection.frame} "
                         f"(landmarks move {shape_change:.2f} face widths, detail x{detail:.2f})", region=_grow(after.box))]
    return []


def _lost_flags(ci: CheckInput, tracker: FaceTracker, track: Track) -> list[Flag]:
    """A face the detector loses mid-shot, still inside the frame, whose place turns to a smear: it melted."""
    last = max((d for d in track.detections if not d.refined), key=lambda d: d.frame)
    x, y, w, h = last.box
    if x < 0.02 or y < 0.02 or x + w > 0.98 or y + h > 0.98:
        return []  # at the edge: it may have left the frame
    for frame, detection, detail_now in tracker.lost:
        if detection is not last or _cut_between(ci, last.frame, frame) or frame >= ci.frames - 1:
            continue
        ratio = detail_now / max(last.region_detail, 1e-3)
        if ratio < MELT_DETAIL:
            return [Flag("QA112", severity_of("QA112.identity"), last.frame + 1, ci.frames - 1, ratio, MELT_DETAIL,
                         f"face melts from about frame {last.frame + 1}: the detector loses it at frame {frame} where it stood, "
                         f"and its place keeps x{ratio:.2f} of the face's detail (a smear, not a turn)", region=_grow(last.box))]
    return []


def _region_detail(image: np.ndarray, box: tuple[float, float, float, float]) -> float:
    h, w = image.shape[:2]
    x0, y0 = max(0, int(box[0] * w)), max(0, int(box[1] * h))
    x1, y1 = min(w, int((box[0] + box[2]) * w)), min(h, int((box[1] + box[3]) * h))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return 0.0
    grey = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(cv2.GaussianBlur(grey, (0, 0), 0.8), cv2.CV_32F)).mean())


def _cut_between(ci: CheckInput, start: int, end: int) -> bool:
    return any(start < cut <= end for cut in ci.cuts)


def _nearest(found: list[Detection], detection: Detection) -> Detection | None:
    near = [d for d in found if _distance(d.box, detection.box) <= 1.0 and _similar_size(d.box, detection.box)]
    return min(near, key=lambda d: _distance(d.box, detection.box), default=None)


def _change(a: Detection, b: Detection) -> float:
    """1 - correlation of two aligned grey chips (0: the same face picture); 0 between a frontal face and a
    profile (a turn: their pictures do not compare, and a turn is not a change of face)."""
    if (a.profile is None) != (b.profile is None):
        return 0.0
    return 1.0 - float((a.signature * b.signature).mean())


def _gap_to(track: Track, detection: Detection) -> int:
    if track.first_frame <= detection.frame <= track.last_frame:
        return 0
    return min(abs(detection.frame - track.first_frame), abs(detection.frame - track.last_frame))


def _fraction(box, width: int, height: int) -> tuple[float, float, float, float]:
    return (box[0] / width, box[1] / height, box[2] / width, box[3] / height)


def _alive_at(track: Track, frame: int) -> bool:
    return track.first_frame <= frame <= track.last_frame


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


CHECKS = (check_faces,)
