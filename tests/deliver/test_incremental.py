"""Finishing that costs what changed: a one-shot edit re-encodes that shot's segments only,
and the result is byte-identical to finishing the edited cut from nothing."""

from __future__ import annotations

import dataclasses
import hashlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from shotcraft.deliver.assemble import AUDIO_SUFFIX
from shotcraft.deliver.deliver import deliver, select_kinds
from shotcraft.edit.segments import CACHE_DIR, plan_segments
from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.errors import InputError
from shotcraft.grade.plan import plan_grade
from tests.grade.media import make_plan, plan_text, write_take, write_wav

TAKE, USED, DISSOLVE = 20, 12, 6
KINDS = ("master", "distribution", "poster", "contact-sheet")


def _cut(takes: dict[str, Path]) -> Timeline:
    events = []
    for number, (shot_id, clip) in enumerate(takes.items()):
        into = "dissolve" if shot_id == "s03" else "cut"
        events.append(CutEvent(shot_id, "A", clip, 4, USED, number * USED, TAKE, location="street",
                               transition=into, transition_frames=DISSOLVE if into == "dissolve" else 0))  # fmt: skip
    return Timeline("Test Film", Fraction(24), 320, 180, tuple(events))


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    folder = tmp_path_factory.mktemp("incremental")
    takes = {sid: write_take(folder / f"{sid}.mp4", TAKE, cast=cast) for sid, cast in
             (("s01", (1.0, 1.0, 1.0)), ("s02", (0.8, 1.0, 1.2)), ("s03", (1.2, 1.0, 0.8)))}  # fmt: skip
    reworded = write_take(folder / "s02_reworded.mp4", TAKE, cast=(1.1, 0.9, 1.0))
    plan = make_plan(folder, plan_text(["s01", "s02", "s03"]))
    mix = write_wav(folder / "mix.wav", 1.6)
    return folder, plan, takes, reworded, mix


def _segment_files(out: Path) -> set[Path]:
    return {p.relative_to(out) for p in (out / CACHE_DIR).rglob("*") if p.is_file() and p.parent.name not in ("audio", "stills")}


def _frame_hashes(path: Path) -> list[str]:
    with av.open(str(path)) as container:
        return [hashlib.sha256(frame.to_ndarray(format="rgb24").tobytes()).hexdigest() for frame in container.decode(video=0)]


def test_segments_split_at_shots_and_around_transitions(material):
    _, _, takes, _, _ = material
    segments = plan_segments(_cut(takes))
    assert [(s.start, s.stop, s.kind, s.events) for s in segments] == [
        (0, 12, "shot", (0,)), (12, 21, "shot", (1,)), (21, 27, "transition", (1, 2)), (27, 36, "shot", (2,))]  # fmt: skip


def test_one_shot_edit_reencodes_its_segments_only_and_matches_a_full_encode(material):
    folder, plan, takes, reworded, mix = material
    out, full = folder / "out", folder / "full"
    before = _cut(takes)
    deliver(plan, before, plan_grade(plan, before), out, None, audio=mix, kinds=KINDS)
    cold = _segment_files(out)
    assert len(cold) == 2 * 4  # two outputs x four segments

    after = _cut({**takes, "s02": reworded})
    graded_before, graded_after = plan_grade(plan, before), plan_grade(plan, after)
    entries = deliver(plan, after, graded_after, out, None, audio=mix, kinds=KINDS)
    encoded = _segment_files(out) - cold
    # what changed: s02's take and so its grade; s03 is harmonized to the first shot of its kind in its light group
    # (its hero), never to the shot before it, so s02's new picture re-grades s02 alone; s01 (the reference) is untouched
    regraded = {sid for sid, grade in graded_after.shots.items() if repr(grade.ops) != repr(graded_before.shots[sid].ops)}
    assert regraded == {"s02"} and graded_after.shots["s03"].reference == "s01"
    changed = {"s02"} | regraded
    touched = [s for s in plan_segments(after) if {after.events[k].shot_id for k in s.events} & changed]
    # s02's segment and the dissolve into s03, for each output; s01's and s03's own segments reused
    assert [(s.start, s.stop) for s in touched] == [(12, 21), (21, 27)]
    assert len(encoded) == 2 * len(touched)
    assert len(_segment_files(out)) == 2 * 4  # the replaced segments were pruned

    reference = deliver(plan, after, plan_grade(plan, after), full, None, audio=mix, kinds=KINDS)
    for incremental, whole in zip(entries, reference, strict=True):
        assert incremental.kind == whole.kind
        assert (out / incremental.path).read_bytes() == (full / whole.path).read_bytes(), incremental.kind
        if "conformance" in incremental.extra:
            assert incremental.extra["conformance"]["ok"], incremental.extra["conformance"]
            assert _frame_hashes(out / incremental.path) == _frame_hashes(full / whole.path)
            assert len(_frame_hashes(out / incremental.path)) == 36


def test_nothing_changed_encodes_nothing(material):
    folder, plan, takes, _, mix = material
    out = folder / "again"
    cut = _cut(takes)
    deliver(plan, cut, None, out, None, audio=mix, kinds=("master",))
    stamps = {p: p.stat().st_mtime_ns for p in (out / CACHE_DIR).rglob("*") if p.is_file()}
    moved = dataclasses.replace(cut, events=tuple(dataclasses.replace(e, record_in=e.record_in) for e in cut.events))
    deliver(plan, moved, None, out, None, audio=mix, kinds=("master",))
    assert stamps == {p: p.stat().st_mtime_ns for p in (out / CACHE_DIR).rglob("*") if p.is_file()}


def test_only_and_skip_choose_the_deliverables(material):
    _, plan, _, _, _ = material
    film = plan.film
    assert select_kinds(film, only=["master", "web"]) == ("master", "distribution")
    assert "master" not in select_kinds(film, skip=["master"])
    with pytest.raises(InputError, match="--only: unknown deliverable 'cinema'"):
        select_kinds(film, only=["cinema"])


def test_two_workers_encode_each_output_once_and_write_the_bytes_of_one(material):
    """-j 2 runs the outputs in two lanes (each encoder once at a time, not once per worker): same files as -j 1."""
    from shotcraft.deliver.deliver import _lanes, video_outputs

    folder, plan, takes, _, mix = material
    cut = _cut(takes)
    outputs = video_outputs(plan.film, cut, folder, ("master", "distribution", "mobile"))
    for jobs, expected in ((1, [["distribution", "mobile", "master"]]), (2, [["distribution", "master"], ["mobile"]]),
                           (5, [["distribution"], ["mobile"], ["master"]])):  # fmt: skip
        assert [[o.kind for o in lane] for lane in _lanes(outputs, jobs)] == expected
    grade = plan_grade(plan, cut)
    one = deliver(plan, cut, grade, folder / "j1", None, audio=mix, kinds=KINDS, jobs=1)
    two = deliver(plan, cut, grade, folder / "j2", None, audio=mix, kinds=KINDS, jobs=2)
    for single, lanes in zip(one, two, strict=True):
        assert (folder / "j1" / single.path).read_bytes() == (folder / "j2" / lanes.path).read_bytes(), single.kind
    assert _segment_files(folder / "j2") == _segment_files(folder / "j1")


def test_lanes_resize_on_their_own_thread_and_leave_opencv_as_they_found_it():
    """While the lanes run, OpenCV resizes on the lane's thread (its pool would only add hand-offs beside the
    encoders): a real photograph upscaled to the web master's size gives the pool's pixels, and the process's
    OpenCV setting is back afterwards, after a failure too."""
    import cv2
    from skimage import data

    from shotcraft.deliver.deliver import _opencv_on_one_thread

    before = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        frame = cv2.resize(data.astronaut(), (320, 180), interpolation=cv2.INTER_AREA)
        pooled = cv2.resize(frame, (1920, 1080), interpolation=cv2.INTER_LANCZOS4)
        with pytest.raises(RuntimeError, match="a lane failed"), _opencv_on_one_thread():
            assert cv2.getNumThreads() == 1
            assert np.array_equal(cv2.resize(frame, (1920, 1080), interpolation=cv2.INTER_LANCZOS4), pooled)
            raise RuntimeError("a lane failed")
        assert cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(before)


@pytest.mark.parametrize(("profile", "older"), [("distribution", False), ("prores", False), ("ffv1", False), ("distribution", True)])
def test_assembly_without_the_probe_decode_writes_the_bytes_of_a_probing_concat(tmp_path, monkeypatch, profile, older):
    """Segments are joined with no decoder allowed in the concat demuxer's probe (what a stream copy never needs):
    the file is the one ffmpeg writes when it decodes every segment's first frames, for H.264 with B-frames,
    ProRes and FFV1, picture and sound. ``older``: an ffmpeg 4.x (the real binary behind a wrapper that says 4.4.2
    and, like 4.x, refuses a list with a per-file option) still assembles, probing as before."""
    import subprocess

    from shotcraft.media.video import ffmpeg_exe

    real = ffmpeg_exe()
    if older:
        wrapper = tmp_path / "ffmpeg"
        wrapper.write_text(f"""#!/bin/sh
for arg in "$@"; do
  if [ "$arg" = "-version" ]; then echo "ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright"; exit 0; fi
  case "$arg" in *.ffconcat) if grep -q '^option' "$arg"; then echo "Line 3: unknown keyword 'option'" >&2; exit 1; fi;; esac
done
exec "{real}" "$@"
""")
        wrapper.chmod(0o755)
        monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(wrapper))

    from skimage import data

    from shotcraft.deliver.assemble import concat, encode_audio
    from shotcraft.deliver.encode import PROFILES, open_segment_writer

    photo = data.astronaut()[64:352, :, :]  # a photograph, panned across: real detail, real motion
    preset = PROFILES[profile]
    parts = []
    for number, (start, frames) in enumerate([(0, 12), (12, 7), (19, 12)]):
        parts.append(tmp_path / f"part{number}{preset.suffix}")
        with open_segment_writer(parts[-1], preset, (320, 180), Fraction(24)) as writer:
            for index in range(start, start + frames):
                writer.write(np.ascontiguousarray(photo[index * 2 : index * 2 + 180, index * 3 : index * 3 + 320]))
    audio = encode_audio(write_wav(tmp_path / "mix.wav", 31 / 24), preset, Fraction(31, 24), tmp_path / f"track{AUDIO_SUFFIX[preset.audio_codec]}")
    assembled = concat(parts, audio, preset, tmp_path / f"film{preset.suffix}", tmp_path / "film.ffconcat")

    listing = tmp_path / "probing.ffconcat"
    listing.write_text("ffconcat version 1.0\n" + "".join(f"file '{part}'\n" for part in parts), encoding="utf-8")
    flags = "+faststart" if preset.faststart else ""
    extra = ["-use_editlist", "0"] if preset.no_edit_list else []
    flags += "+negative_cts_offsets" if preset.no_edit_list else ""
    probing = tmp_path / f"probing{preset.suffix}"
    subprocess.run([real, "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio), "-map", "0:v:0",
                    "-map", "1:a:0", "-c", "copy", "-map_metadata", "-1", "-fflags", "+bitexact", *extra,
                    *(["-movflags", flags] if flags else []), str(probing)], check=True)  # fmt: skip
    assert assembled.read_bytes() == probing.read_bytes()
    assert len(_frame_hashes(assembled)) == 31
