"""Profile faces (the plan's profile two-shots) on real photographs.

The only real profile photograph that ships in the installed packages is
scikit-image's cameraman (about 75 degrees, looking right); it is used as
shot, mirrored (looking left), and beside the astronaut in a composed
two-shot. The profile detector finds presence, jumps, vanishing and melting;
identity is judged on frontal faces only (dlib's descriptor is frontal).
"""

from __future__ import annotations

import numpy as np

from shotcraft.qa import analyze_clip
from shotcraft.qa.face_models import box_overlap, face_models
from shotcraft.qa.faces import MIN_FACE
from tests.qa import corpus
from tests.qa.conftest import Corpus, expected_for


def test_the_profile_detector_finds_the_real_profile_on_both_sides_and_nothing_on_textures() -> None:
    models, _ = face_models()
    camera = corpus.photo("camera")
    head = corpus.CAMERAMAN_HEAD
    found = models.detect_profiles(camera, int(MIN_FACE * camera.shape[0]))
    assert [f[5] for f in found if box_overlap(f, head) >= 0.3] == ["right"]
    mirrored = models.detect_profiles(np.ascontiguousarray(camera[:, ::-1]), int(MIN_FACE * camera.shape[0]))
    assert [f[5] for f in mirrored if box_overlap(f, (512 - head[0] - head[2],) + head[1:]) >= 0.3] == ["left"]
    assert all(box_overlap(f, head) >= 0.3 for f in found)  # nothing else in the photograph
    for name in ("coffee", "rocket", "chelsea", "hubble"):  # real textures, a cat's face: no profile
        image = corpus.photo(name)
        assert models.detect_profiles(image, int(MIN_FACE * image.shape[0])) == [], name


def test_profile_shots_are_tracked_and_never_flagged_as_lost_faces(footage: Corpus) -> None:
    for name in ("push_camera", "pan_camera_mirrored"):
        faces = footage.report(name).metrics["faces"]
        assert faces["tracks"] == 1 and faces["profile_tracks"] == 1, (name, faces)
        assert "QA112" not in footage.report(name).codes


def test_a_profile_two_shot_has_two_faces_and_only_the_frontal_one_is_judged_for_identity(footage: Corpus, sheets) -> None:
    report = analyze_clip(footage.clip("two_shot_profile").path, expected=expected_for("two_shot_profile", characters=(sheets["mara"],)))
    faces = report.metrics["faces"]
    assert faces["tracks"] == 2 and faces["profile_tracks"] == 1
    assert not {"QA112", "QA115"} & report.codes
    [identity] = faces["identities"]  # the astronaut's; the cameraman's profile has no descriptor: not judged, not flagged
    assert identity["character"] == "mara" and identity["distance"] < 0.4


def test_a_profile_that_melts_or_vanishes_is_qa112_on_its_frames(footage: Corpus) -> None:
    for name in ("profile_melts", "profile_vanishes"):
        clip, report = footage.clip(name), footage.report(name)
        hits = report.flags_with("QA112")
        assert hits and abs(hits[0].start_frame - clip.start) <= 6, (name, [(f.start_frame, f.message) for f in report.flags])
