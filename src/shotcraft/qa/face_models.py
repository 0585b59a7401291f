"""The face models QA uses, all shipped inside installed packages (nothing is downloaded at run time).

Chosen detector: dlib's HOG frontal-face detector (inside the ``dlib`` wheel),
with dlib's 68-point shape predictor and its 128-D ResNet face descriptor
from the ``face-recognition-models`` package. Measured on the QA corpus of
``tests/qa/corpus.py`` by ``bench/faces.py`` (figures in bench/README.md):

====================================  =========  ======  ===============
detector (on a 640 px frame)          precision  recall  ms per frame
====================================  =========  ======  ===============
dlib HOG                              1.00       0.97    17
dlib HOG + mirrored frame             1.00       0.97    33
dlib CNN (mmod)                       1.00       0.96    ~1700
OpenCV Haar frontal + profile         0.80       0.93    24
====================================  =========  ======  ===============

HOG: as accurate as the CNN on this material at 1 % of its cost (the CNN
alone would make QA 5x slower than real time on two cores); the Haar
cascades, which QA used before, fire on textures (a cat's face, starfields,
cup rims) that then become "faces that vanish". dlib's HOG model holds
five filters (frontal and turned left/right, tilted), so a three-quarter
turn is found; the mirrored frame added nothing on the corpus and doubles
the cost, so it is off. A pure profile (90 degrees) is found by none of the
frontal models; QA then has no face to judge, which is the safe direction
(no face, no face flag).

``face_recognition_models`` cannot be imported (it needs ``pkg_resources``),
so its files are located with :func:`importlib.util.find_spec`.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DESCRIPTOR_CHIP = 150  # dlib's ResNet descriptor is defined on 150x150 aligned chips (padding 0.25)
DESCRIPTOR_PADDING = 0.25

_lock = threading.Lock()
_loaded: FaceModels | None = None
_failure: str | None = None


@dataclass(frozen=True)
class FaceModels:
    detector: object  # dlib.fhog_object_detector
    landmarks: object  # dlib.shape_predictor (68 points)
    descriptor: object  # dlib.face_recognition_model_v1
    description: str

    def detect(self, rgb: np.ndarray, upsample: int = 0) -> list[tuple[int, int, int, int, float]]:
        """Faces in an RGB uint8 image: (x, y, w, h, score), best first."""
        rects, scores, _ = self.detector.run(np.ascontiguousarray(rgb), upsample, 0.0)
        found = [(r.left(), r.top(), r.width(), r.height(), float(s)) for r, s in zip(rects, scores)]
        return sorted(found, key=lambda f: -f[4])

    def shape(self, rgb: np.ndarray, box: tuple[float, float, float, float]):
        """68 landmarks fitted inside ``box`` (x, y, w, h in pixels)."""
        import dlib

        x, y, w, h = box
        rect = dlib.rectangle(int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h)))
        return self.landmarks(np.ascontiguousarray(rgb), rect)

    def chip(self, rgb: np.ndarray, shape, size: int = DESCRIPTOR_CHIP, padding: float = DESCRIPTOR_PADDING) -> np.ndarray:
        """The face aligned on its landmarks (eyes level, fixed scale), size x size RGB."""
        import dlib

        return np.asarray(dlib.get_face_chip(np.ascontiguousarray(rgb), shape, size=size, padding=padding))

    def embed(self, chip: np.ndarray) -> np.ndarray:
        """The 128-D identity descriptor of a 150x150 aligned chip (same person: distance under about 0.6)."""
        return np.asarray(self.descriptor.compute_face_descriptor(np.ascontiguousarray(chip)), dtype=np.float32)


def models_folder() -> Path | None:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def face_models() -> tuple[FaceModels | None, str]:
    """(models, description) or (None, why not). Loaded once per process (about 0.3 s)."""
    global _loaded, _failure
    with _lock:
        if _loaded is not None or _failure is not None:
            return _loaded, (_loaded.description if _loaded else _failure or "")
        try:
            import dlib

            folder = models_folder()
            if folder is None:
                raise FileNotFoundError("the face-recognition-models package is not installed")
            landmarks = folder / "shape_predictor_68_face_landmarks.dat"
            descriptor = folder / "dlib_face_recognition_resnet_model_v1.dat"
            for path in (landmarks, descriptor):
                if not path.is_file():
                    raise FileNotFoundError(f"{path} is missing")
            _loaded = FaceModels(dlib.get_frontal_face_detector(), dlib.shape_predictor(str(landmarks)),
                                 dlib.face_recognition_model_v1(str(descriptor)),
                                 f"dlib {dlib.__version__} HOG face detector, 68-point landmarks, ResNet descriptor")
        except (ImportError, OSError, RuntimeError) as exc:
            _failure = f"face models unavailable ({exc})"
        return _loaded, (_loaded.description if _loaded else _failure or "")


def identity_distance(first: np.ndarray, second: np.ndarray) -> float:
    """Euclidean distance between two descriptors (dlib's metric: under 0.6 is the same person)."""
    return float(np.linalg.norm(np.asarray(first, np.float32) - np.asarray(second, np.float32)))


def embed_image(rgb: np.ndarray) -> np.ndarray | None:
    """The descriptor of the largest face in a still (a character reference, a keyframe); None when no face."""
    models, _ = face_models()
    if models is None:
        return None
    image = np.ascontiguousarray(rgb[..., :3])
    scale = 1.0
    if image.shape[1] > 1024:  # HOG cost grows with pixels; references are portraits, faces stay large
        import cv2

        scale = 1024 / image.shape[1]
        image = cv2.resize(image, (1024, max(1, int(round(image.shape[0] * scale)))), interpolation=cv2.INTER_AREA)
    found = models.detect(image, upsample=1 if image.shape[1] < 400 else 0)
    if not found:
        return None
    x, y, w, h, _ = max(found, key=lambda f: f[2] * f[3])
    shape = models.shape(image, (x, y, w, h))
    return models.embed(models.chip(image, shape))
