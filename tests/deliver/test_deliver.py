"""Deliverables from a synthetic cut: conformance, headroom, reframing, atomicity."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import av
import numpy as np
import pytest

from shotcraft.deliver.deliver import deliver, output_paths
from shotcraft.deliver.reframe import SubjectPath
from shotcraft.deliver.encode import crop_box, headroom_curve
from shotcraft.errors import InputError
from shotcraft.grade.plan import plan_grade
from shotcraft.manifest import Manifest
from shotcraft.media.video import read_frames
from tests.grade.media import make_cut, make_plan, plan_text, write_take, write_wav

FRAMES = 12


@pytest.fixture
def film(tmp_path: Path):
    takes = {"s01": write_take(tmp_path / "s01.mp4", FRAMES), "s02": write_take(tmp_path / "s02.mp4", FRAMES, cast=(0.7, 1.0, 1.1))}
    plan = make_plan(tmp_path, plan_text(["s01", "s02"], extra="delivery:\n  poster_shot: s02\n"))
    return plan, make_cut(takes, FRAMES)


def test_every_deliverable_conforms_and_lands_in_the_manifest(tmp_path: Path, film) -> None:
    plan, cut = film
    out = tmp_path / "out"
    manifest = Manifest(out, "Test Film", "film.yaml")
    mix = write_wav(tmp_path / "mix.wav", cut.seconds + 0.3)  # longer than the picture: cut to length
    entries = deliver(plan, cut, plan_grade(plan, cut), out, manifest, audio=mix)
    kinds = [entry.kind for entry in entries]
    assert kinds == ["master", "distribution", "mobile", "poster", "contact-sheet", "lut", "lut"]
    assert [e.path for e in entries[-2:]] == ["luts/s01.cube", "luts/s02.cube"]
    assert manifest.checks["grade"]["shots"]["s02"]["reference"] == "s01"
    for entry in entries:
        assert (out / entry.path).is_file()
        if entry.kind in ("master", "distribution", "mobile"):
            report = entry.extra["conformance"]
            assert report["ok"], [c for c in report["checks"] if not c["ok"]]
            assert entry.frames == 2 * FRAMES and entry.duration == pytest.approx(1.0)
            assert report["facts"]["audio_rate"] == 48000
            # the checksum a recipient verifies the transfer with: the file's own bytes, hashed here by hashlib
            assert entry.extra["sha256"] == hashlib.sha256((out / entry.path).read_bytes()).hexdigest()
    assert entries[0].codec == "prores" and entries[0].extra["pix_fmt"] == "yuv422p10le"
    assert (entries[1].extra["width"], entries[1].extra["height"]) == (1920, 1080)  # the web master: 1080p at least
    assert (entries[2].extra["width"], entries[2].extra["height"]) == (1080, 1920)  # vertical 9:16 at 1080 wide
    assert not list(out.glob(".tmp-*"))
    assert set(manifest.to_dict()["checks"]["conformance"].values()) == {True}
    # the poster is the middle of s02 (delivery.poster_shot), as graded
    import cv2

    poster = cv2.imread(str(out / entries[3].path))
    assert poster.shape[:2] == (180, 320)


def test_ffv1_master_when_asked(tmp_path: Path, film) -> None:
    plan, cut = film
    plan = make_plan(tmp_path, plan_text(["s01", "s02"], extra="delivery:\n  master: ffv1\n"))
    entries = deliver(plan, cut, None, tmp_path / "out", None, audio=None, kinds=("master",))
    assert entries[0].path.endswith(".mkv") and entries[0].codec == "ffv1"
    assert entries[0].extra["conformance"]["ok"] and entries[0].extra["audio"] == "silence"


def test_distribution_keeps_highlight_headroom(tmp_path: Path, film) -> None:
    plan, cut = film
    white = (np.full((180, 320, 3), 255, dtype=np.uint8) for _ in range(cut.duration))
    deliver(plan, cut, None, tmp_path / "out", None, audio=None, kinds=("distribution",), frames=white)
    path = output_paths(plan.film, tmp_path / "out").distribution
    with av.open(str(path)) as container:
        luma = max(int(frame.to_ndarray()[:180].max()) for frame in container.decode(video=0))  # raw Y plane
    assert luma < 235  # below limited-range white: nothing clipped for the upload encoder to flatten
    curve = headroom_curve()
    assert curve[200] == 200 and curve[255] < 250 and np.all(np.diff(curve.astype(int)) >= 0)


def test_mobile_is_reframed_around_the_shot_point(tmp_path: Path, film) -> None:
    plan, cut = film
    left = dataclasses.replace(cut.events[0], reframe=(0.0, 0.5))
    cut = dataclasses.replace(cut, events=(left, cut.events[1]))
    path = SubjectPath(cut)  # no face in these takes: each shot's plan point
    assert path.centre(0) == pytest.approx((0.0, 0.5)) and path.centre(FRAMES) == pytest.approx((0.5, 0.5))
    assert crop_box(320, 180, "9:16", (0.0, 0.5)) == (0, 0, 100, 180)
    assert crop_box(320, 180, "4:5", (1.0, 0.5)) == (176, 0, 144, 180)
    ramp = np.tile(np.linspace(0, 255, 320).astype(np.uint8)[None, :, None], (180, 1, 3))
    frames = (ramp.copy() for _ in range(cut.duration))
    deliver(plan, cut, None, tmp_path / "out", None, audio=None, kinds=("mobile",), frames=frames)
    shots = list(read_frames(output_paths(plan.film, tmp_path / "out").mobile))
    assert shots[0][..., 1].mean() < 50  # s01 framed on the dark left edge of the ramp
    assert 100 < shots[-1][..., 1].mean() < 160  # s02 centred


def test_a_failure_leaves_no_finished_looking_file(tmp_path: Path, film) -> None:
    plan, cut = film

    def broken():
        for index in range(cut.duration):
            if index == 5:
                raise InputError("take s01.mp4: decoding failed at frame 5")
            yield np.zeros((180, 320, 3), dtype=np.uint8)

    out = tmp_path / "out"
    with pytest.raises(InputError, match="decoding failed"):
        deliver(plan, cut, None, out, None, audio=None, frames=broken())
    assert list(out.iterdir()) == []  # neither finished names nor stray temps


def test_short_frame_source_is_an_error_not_a_short_film(tmp_path: Path, film) -> None:
    plan, cut = film
    frames = (np.zeros((180, 320, 3), dtype=np.uint8) for _ in range(cut.duration - 3))
    with pytest.raises(InputError, match="only 21 were rendered"):
        deliver(plan, cut, None, tmp_path / "out", None, audio=None, frames=frames)
    assert list((tmp_path / "out").iterdir()) == []


def test_missing_take_or_mix_is_refused_before_writing(tmp_path: Path, film) -> None:
    plan, cut = film
    gone = dataclasses.replace(cut, events=(dataclasses.replace(cut.events[0], clip_path=tmp_path / "nope.mp4"),))
    with pytest.raises(InputError, match="'s01'.*nope.mp4 does not exist"):
        deliver(plan, gone, None, tmp_path / "out", None, audio=None)
    with pytest.raises(InputError, match="mix.wav does not exist"):
        deliver(plan, cut, None, tmp_path / "out", None, audio=tmp_path / "mix.wav")
    assert not (tmp_path / "out").exists()
