"""Imports that keep what they carry: fit choices with the fraction kept, the clip's own sound as a production stem."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
import soundfile
from skimage import data

from shotcraft.edit.build import build_timeline
from shotcraft.errors import InputError
from shotcraft.media.video import AudioTrack, VideoWriter, probe, read_frames
from shotcraft.render.fit import parse_fit
from shotcraft.render.imports import add_take
from shotcraft.render.store import open_project
from shotcraft.sound.mix import mix_film
from shotcraft.sound.loudness import integrated_loudness
from tests.render.helpers import plan_text, write_plan

PORTRAIT = (180, 320)  # a 9:16 phone clip, small for speed
FRAMES = 24


def _portrait_still() -> np.ndarray:
    return cv2.resize(data.rocket(), PORTRAIT, interpolation=cv2.INTER_AREA)  # a real photograph, portrait


@pytest.fixture(scope="module")
def portrait_clip(tmp_path_factory) -> Path:
    """A 9:16 clip of a real photograph with production sound (a voice-like band of noise in bursts)."""
    folder = tmp_path_factory.mktemp("portrait")
    rng = np.random.default_rng(7)
    seconds = FRAMES / 24
    t = np.arange(int(48000 * seconds)) / 48000
    voice = rng.standard_normal(t.size) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2) * 0.1
    wav = folder / "voice.wav"
    soundfile.write(str(wav), np.stack([voice, voice], axis=1), 48000, subtype="PCM_24")
    path = folder / "phone.mp4"
    still = _portrait_still()
    with VideoWriter(path, *PORTRAIT, Fraction(24), encoder="h264", audio=AudioTrack(wav, "aac", Fraction(seconds), 192_000)) as writer:
        for _ in range(FRAMES):
            writer.write(still)
    return path


@pytest.fixture
def plan(tmp_path):
    return write_plan(tmp_path / "film", plan_text("animatic", shots=1, resolution="320x180"))


def test_contain_keeps_the_whole_picture(plan, portrait_clip):
    record = add_take(plan, "s01", portrait_clip, fit=parse_fit("contain", "black"))
    conformed = record.provenance["conformed"]
    assert conformed["kept"] == 1.0 and conformed["fit"] == "contain" and not conformed["warnings"]
    frame = next(read_frames(record.clip_path)).astype(np.int16)
    inner_w = round(PORTRAIT[0] * 180 / PORTRAIT[1])  # 101 px: the full height of the frame
    left = (320 - inner_w) // 2
    whole = cv2.resize(_portrait_still(), (inner_w, 180), interpolation=cv2.INTER_AREA).astype(np.int16)
    assert np.abs(frame[:, left : left + inner_w] - whole)[4:-4, 4:-4].mean() < 6  # every row and column of the still
    assert frame[:, : left - 2].max() < 20 and frame[:, left + inner_w + 2 :].max() < 20  # black pads


def test_blurred_fill_pads_with_the_picture_itself(plan, portrait_clip):
    record = add_take(plan, "s01", portrait_clip, fit=parse_fit("contain", "blur"))
    frame = next(read_frames(record.clip_path))
    assert frame[:, :40].mean() > 20  # not black: the darkened, blurred picture


def test_default_cover_warns_with_the_fraction_kept(plan, portrait_clip):
    record = add_take(plan, "s01", portrait_clip)
    conformed = record.provenance["conformed"]
    assert conformed["kept"] == pytest.approx((9 / 16) / (16 / 9), abs=0.01)
    assert any("keeps 32% of the picture" in w and "--fit contain" in w for w in conformed["warnings"])
    assert any("extra 12 are handles" in step for step in conformed["steps"])  # a 1 s clip for a 0.5 s shot


def test_a_short_clip_is_reported_with_the_options(tmp_path, portrait_clip):
    plan = write_plan(tmp_path / "film", plan_text("animatic", shots=1, resolution="320x180").replace("duration: 0.5", "duration: 2.0"))
    kept = add_take(plan, "s01", portrait_clip, label="K")
    assert kept.frames == 24
    assert any("the cut will be 1.00 s shorter" in w and "--length hold" in w and "--length slow" in w for w in kept.provenance["conformed"]["warnings"])
    held = add_take(plan, "s01", portrait_clip, label="H", length="hold")
    assert held.frames == 48 and probe(held.clip_path).has_audio
    slowed = add_take(plan, "s01", portrait_clip, label="S", length="slow")
    assert slowed.frames == 48 and not probe(slowed.clip_path).has_audio
    assert any("sound is dropped" in w for w in slowed.provenance["conformed"]["warnings"])


def test_crop_position_and_bad_options(plan):
    assert parse_fit("crop", position="top").position == (0.5, 0.0)
    with pytest.raises(InputError, match="--fit: expected one of cover, contain, crop"):
        parse_fit("stretch")
    with pytest.raises(InputError, match="--pad"):
        parse_fit("contain", "purple")
    with pytest.raises(InputError, match="--position"):
        parse_fit("crop", position="2,2")


def test_imported_sound_is_a_measured_production_stem(tmp_path, portrait_clip):
    text = plan_text("animatic", shots=1, resolution="320x180").replace("shots:\n", "sound: {production_sound: true, production_lufs: -20}\nshots:\n")
    plan = write_plan(tmp_path / "film", text)
    record = add_take(plan, "s01", portrait_clip, fit=parse_fit("contain"), label="V")
    assert probe(record.clip_path).has_audio and record.provenance["conformed"]["audio"] == "alac"
    project = open_project(plan)
    project.set_pick("s01", "V")
    result = mix_film(plan, build_timeline(plan, project), tmp_path / "sound")
    stem = next(s for s in result.stems if s.name == "production")
    assert stem.target_lufs == -20
    assert integrated_loudness(soundfile.read(str(stem.path))[0]) == pytest.approx(-20, abs=1.5)


def test_an_image_sequence_takes_the_rate_given(plan, tmp_path, portrait_clip):
    folder = tmp_path / "frames"
    folder.mkdir()
    for index in range(12):
        cv2.imwrite(str(folder / f"f{index:03d}.png"), np.full((90, 160, 3), index * 20, np.uint8))
    record = add_take(plan, "s01", folder, fps=Fraction(12))  # 12 frames at 12 fps: one second
    assert record.frames == 24 and record.provenance["original"]["rate"] == "12"
    with pytest.raises(InputError, match="--fps is for image sequences"):
        add_take(plan, "s01", portrait_clip, fps=Fraction(12))


def _haar_faces(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Faces found by OpenCV's Haar cascade: a detector independent of the dlib model the crop follows."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    return [tuple(int(v) for v in box) for box in cascade.detectMultiScale(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), 1.1, 5, minSize=(40, 40))]


@pytest.fixture(scope="module")
def face_high_clip(tmp_path_factory) -> Path:
    """A 9:16 clip whose subject's face sits high in the frame and drifts down: a centre crop to 16:9 cuts it off."""
    path = tmp_path_factory.mktemp("face") / "selfie.mp4"
    portrait = cv2.resize(data.astronaut(), (PORTRAIT[0], PORTRAIT[0]), interpolation=cv2.INTER_AREA)
    with VideoWriter(path, *PORTRAIT, Fraction(24), encoder="h264") as writer:
        for index in range(FRAMES):
            frame = np.full((PORTRAIT[1], PORTRAIT[0], 3), 60, np.uint8)
            top = 40 * index // FRAMES  # drifts 40 px down over the clip
            frame[top : top + PORTRAIT[0]] = portrait
            writer.write(frame)
    return path


def test_crop_follows_the_face_where_a_centre_crop_loses_it(plan, face_high_clip):
    followed = add_take(plan, "s01", face_high_clip, fit=parse_fit("crop", position="face"), label="F")
    centred = add_take(plan, "s01", face_high_clip, label="C")  # the default cover: a centre crop
    conformed = followed.provenance["conformed"]
    assert conformed["method"].startswith("crop following the face") and any("crop following the face: path" in s for s in conformed["steps"])
    frames, centre_frames = list(read_frames(followed.clip_path)), list(read_frames(centred.clip_path))
    for index in (0, len(frames) // 2, len(frames) - 1):
        faces = _haar_faces(frames[index])
        assert faces, f"frame {index}: no face in the face-following crop"
        x, y, w, h = faces[0]
        assert 0 <= y and y + h <= 180 and 0 <= x and x + w <= 320
        assert not _haar_faces(centre_frames[index]), f"frame {index}: the centre crop kept the face (the test lost its point)"
    assert followed.key != centred.key
    with pytest.raises(InputError, match="--position face: only with --fit crop"):
        parse_fit("cover", position="face")


def test_crop_following_a_face_without_one_warns_and_centres(plan, portrait_clip):
    record = add_take(plan, "s01", portrait_clip, fit=parse_fit("crop", position="face"))
    assert any("no face found" in w for w in record.provenance["conformed"]["warnings"])
