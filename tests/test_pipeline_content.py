"""`make` keyed on contents: a new music/ambience/cue/look file re-runs exactly the steps that read it; a touch or a
copied project re-runs nothing; every stage reports through the event stream."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from shotcraft.events import listen
from shotcraft.pipeline import STEPS, make
from shotcraft.plan import load_plan

PLAN = """schema_version: 2
production: {id: mk, title: Make Keys, format: {resolution: 160x96, fps: 24}}
characters:
  - {id: ana, descriptors: {hair: short red hair}, wardrobe: [yellow raincoat]}
locations:
  - {id: hall, description: a long empty hallway}
defaults:
  takes: 1
  keyframe: {backend: animatic, resolution: 192x108}
  clip: {backend: animatic}
sound:
  ambience: {hall: {file: sound/amb.wav}}
  cues: [{shot: s01, at: 0.1, file: sound/cue.wav}]
  music: {file: sound/music.wav}
grade: {look: looks/look.cube}
shots:
  - {id: s01, type: medium-action, duration: 0.5, characters: [ana], location: hall, brief: {subject: Ana waits}}
  - {id: s02, type: establishing, duration: 0.75, location: hall, brief: {subject: the hall}}
"""


def _tone(path: Path, freq: float, seconds: float, amp: float) -> None:
    t = np.arange(int(48000 * seconds)) / 48000
    soundfile.write(str(path), np.repeat((amp * np.sin(2 * np.pi * freq * t))[:, None], 2, axis=1), 48000, subtype="PCM_24")


def _cube(path: Path, red: float) -> None:
    rows = [f"{r * red:.4f} {g:.4f} {b:.4f}" for b in (0, 1) for g in (0, 1) for r in (0, 1)]
    path.write_text("LUT_3D_SIZE 2\n" + "\n".join(rows) + "\n")


def _make(folder: Path) -> tuple[dict, list]:
    seen: list = []
    with listen(seen.append):
        manifest = make(load_plan(folder / "film.yaml"), folder / "out", jobs=1, progress=False)
    return manifest.checks, seen


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("make") / "film"
    (folder / "sound").mkdir(parents=True)
    (folder / "looks").mkdir()
    (folder / "film.yaml").write_text(PLAN)
    _tone(folder / "sound" / "music.wav", 220, 3, 0.2)
    _tone(folder / "sound" / "amb.wav", 90, 3, 0.05)
    _tone(folder / "sound" / "cue.wav", 880, 0.3, 0.3)
    _cube(folder / "looks" / "look.cube", 0.95)
    checks, seen = _make(folder)
    return folder, checks, seen


def test_every_stage_of_make_reports_start_and_an_end_with_its_time(made):
    _, checks, seen = made
    for step in STEPS:
        kinds = [e.kind for e in seen if e.stage == step.name]
        assert kinds[0] == "start" and kinds[-1] == "done", (step.name, kinds)
        end = [e for e in seen if e.stage == step.name][-1]
        assert end.seconds is not None and end.message, step.name
    assert any(e.stage == "render" and e.kind == "progress" and e.unit == "frames" for e in seen)
    assert any(e.stage == "finish" and e.kind == "note" for e in seen)
    assert checks["reused"] == []


@pytest.fixture
def copy(made, tmp_path):
    target = tmp_path / "copy" / "film"
    shutil.copytree(made[0], target)
    return target


def test_a_copied_project_renders_and_re_encodes_nothing(copy):
    before = {p: p.stat().st_mtime_ns for p in (copy / "out").rglob("*") if p.suffix in (".mov", ".mp4", ".wav")}
    checks, _ = _make(copy)
    assert checks["render"]["rendered"] == 0
    assert set(checks["reused"]) == {"render", "sound", "cut", "finish", "report"}
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_touching_every_input_re_runs_nothing(copy):
    for path in list((copy / "sound").iterdir()) + list((copy / "looks").iterdir()):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 7 * 10**9))
    checks, _ = _make(copy)
    assert set(checks["reused"]) == {"render", "sound", "cut", "finish", "report"}


def test_another_shotcrafts_code_makes_cut_sound_finish_and_report_again_and_renders_nothing(copy, monkeypatch):
    """A checkout a commit apart has the same version number: what its code makes from the takes is made again
    (every segment and sound track encoded again, none answered by the other code's), the paid-for takes are kept."""
    import shotcraft.deliver.deliver as deliver_module
    import shotcraft.deliver.reframe as reframe_module
    import shotcraft.edit.segments as segments_module
    import shotcraft.pipeline as pipeline_module
    from shotcraft.render.keys import code_identity

    ours = code_identity()
    assert ours["source"] == code_identity()["source"] and len(ours["source"]) == 64
    segments = {p: p.stat().st_mtime_ns for p in (copy / "out").rglob("*") if ".shotcraft-segments" in p.parts and p.is_file()}
    assert segments
    other = {**ours, "source": "0" * 64}
    monkeypatch.setattr(pipeline_module, "code_identity", lambda: other)
    monkeypatch.setattr(segments_module, "code_identity", lambda: other)
    monkeypatch.setattr(deliver_module, "code_identity", lambda: other)
    monkeypatch.setattr(reframe_module, "code_identity", lambda: other)  # the kept subject paths
    checks, _ = _make(copy)
    assert checks["render"]["rendered"] == 0
    assert set(checks["reused"]) == {"render"}
    kept = [p for p in segments if p.is_file() and p.stat().st_mtime_ns == segments[p]]
    assert kept == []  # each one made again under its new key (the old ones pruned), none reused


def test_another_ffmpeg_makes_everything_it_encoded_again_and_renders_nothing(copy, tmp_path, monkeypatch):
    """An upgraded ffmpeg can write other bytes: what the old binary encoded (segments, sound tracks, editing media)
    is made again under the new one, never spliced beside its output; the same binary found again reuses everything.
    The "other" ffmpeg is the real one behind a wrapper that says another build on ``-version``."""
    from shotcraft.media.video import ffmpeg_exe
    from shotcraft.render.keys import code_identity, tools_identity

    real = ffmpeg_exe()
    wrapper = tmp_path / "ffmpeg"
    wrapper.write_text(f"""#!/bin/sh
for arg in "$@"; do
  if [ "$arg" = "-version" ]; then "{real}" "$@"; echo "patched by the distribution"; exit 0; fi
done
exec "{real}" "$@"
""")
    wrapper.chmod(0o755)
    encoded = {p: p.stat().st_mtime_ns for p in (copy / "out").rglob("*") if p.suffix in (".mov", ".mp4", ".m4a") and p.is_file()}
    assert any(".shotcraft-segments" in p.parts for p in encoded) and any(p.parent.name == "media" for p in encoded)
    before = tools_identity()
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(wrapper))
    code_identity.cache_clear()
    tools_identity.cache_clear()
    try:
        assert tools_identity()["ffmpeg"] != before["ffmpeg"] and tools_identity()["libraries"] == before["libraries"]
        checks, _ = _make(copy)
        assert checks["render"]["rendered"] == 0
        assert set(checks["reused"]) == {"render"}
        kept = [p for p in encoded if p.is_file() and p.stat().st_mtime_ns == encoded[p]]
        assert kept == []  # every file ffmpeg wrote is written again (stale segments pruned)
        again, _ = _make(copy)
        assert set(again["reused"]) == {"render", "sound", "cut", "finish", "report"}
    finally:
        monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")
        code_identity.cache_clear()
        tools_identity.cache_clear()
    assert tools_identity() == before


@pytest.mark.parametrize(
    ("change", "reran"),
    [
        (lambda f: _tone(f / "sound" / "music.wav", 330, 3, 0.2), {"sound", "cut", "finish"}),  # the rough cut carries the mix
        (lambda f: _cube(f / "looks" / "look.cube", 0.8), {"finish"}),
    ],
    ids=["music", "look"],
)
def test_new_content_at_the_same_path_re_runs_exactly_the_steps_that_read_it(copy, change, reran):
    change(copy)
    checks, _ = _make(copy)
    assert {"render", "cut", "sound", "finish"} - set(checks["reused"]) == reran


@pytest.mark.parametrize("name", ["amb.wav", "cue.wav", "music.wav"])
def test_the_sound_step_key_follows_each_file_content_not_its_stat(copy, name):
    """The same key the step above re-ran on, for each sound file (cheap: no mix)."""
    from shotcraft.pipeline import sound_key_data
    from shotcraft.render.keys import job_key

    def key() -> str:
        return job_key({"sound": sound_key_data(load_plan(copy / "film.yaml"))})

    first = key()
    path = copy / "sound" / name
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert key() == first
    _tone(path, 123, 0.5, 0.1)
    assert key() != first


def test_skipping_the_bundle_re_runs_the_cut_alone_and_leaves_the_otioz_out(copy):
    """`--skip otioz` while iterating: no re-zipped media, the rest of the hand-off as before; asked again, it is back."""
    plan = load_plan(copy / "film.yaml")
    skipped = make(plan, copy / "out", jobs=1, progress=False, skip=["bundle"])
    assert set(skipped.checks["reused"]) == {"render", "sound", "finish", "report"}
    kinds = {entry.kind for entry in skipped.entries}
    assert "otioz" not in kinds and {"otio", "edl", "media", "rough-cut"} <= kinds
    again = make(plan, copy / "out", jobs=1, progress=False)
    assert set(again.checks["reused"]) == {"render", "sound", "finish", "report"}
    assert [entry.path for entry in again.entries if entry.kind == "otioz"] == ["mk.otioz"]


def test_the_graded_cuts_are_measured_beside_the_encodes_and_the_report_finds_them(copy, monkeypatch):
    """The finish step measures the QA's graded cuts on a worker thread while ffmpeg encodes; the report step reads them."""
    import threading

    from shotcraft.qa import graded

    threads: list[str] = []
    measure = graded.graded_cuts

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return measure(*args, **kwargs)

    monkeypatch.setattr(graded, "graded_cuts", recorded)
    _cube(copy / "looks" / "look.cube", 0.7)  # a new grade: the finish and the report re-run
    checks, _ = _make(copy)
    assert not {"finish", "report"} & set(checks["reused"])
    assert threads and all(name.startswith("shotcraft-beside") for name in threads), threads
    report = json.loads((copy / "out" / "qa" / "report.json").read_text())
    assert report["cuts_graded"] is True and len(report["cuts"]) == 1


def test_a_deliverable_skipped_after_a_change_is_named_stale_until_it_is_made_again(copy):
    """`--skip master` while iterating leaves the old master in the folder: named on the attention list once the cut has
    moved on from it (never while it still shows the film), gone from the list when a make writes it again."""
    plan_file = copy / "film.yaml"

    def make_with(**options):
        manifest = make(load_plan(plan_file), copy / "out", jobs=1, progress=False, **options)
        listed = {entry["path"] for entry in json.loads((copy / "out" / "manifest.json").read_text())["deliverables"]}
        return manifest.checks, listed

    master = "mk_master.mov"
    assert (copy / "out" / master).is_file()
    checks, listed = make_with(skip=["master"])
    assert checks["stale"] == [] and master not in listed  # nothing changed: the master still shows this cut
    _cube(copy / "looks" / "look.cube", 0.6)  # a new grade: the master on disk no longer shows the film
    checks, listed = make_with(skip=["master"])
    assert checks["stale"] == [master] and master not in listed
    stale = [item for item in checks["attention"] if item["kind"] == "stale"]
    assert len(stale) == 1 and master in stale[0]["message"] and stale[0]["command"].startswith("shotcraft make ")
    checks, listed = make_with()
    assert checks["stale"] == [] and master in listed
    assert not [item for item in checks["attention"] if item["kind"] == "stale"]


def test_a_failed_report_keeps_the_finish_it_follows(copy, monkeypatch):
    """The finish's files are hashed while the report step runs; when that step fails, the finish is still recorded
    (its deliverables are whole) and the next make reuses it."""
    from shotcraft.errors import ShotcraftError
    from shotcraft.qa import report as report_module

    def broken(*_args, **_kwargs):
        raise ShotcraftError("the report could not be written")

    _cube(copy / "looks" / "look.cube", 0.65)  # a new grade: the finish and the report re-run
    with monkeypatch.context() as patched:
        patched.setattr(report_module, "write_plan_report", broken)
        with pytest.raises(ShotcraftError, match="report could not"):
            make(load_plan(copy / "film.yaml"), copy / "out", jobs=1, progress=False)
    record = json.loads((copy / "out" / ".shotcraft-make.json").read_text())
    assert "mk_master.mov" in record["finish"]["files"]
    checks, _ = _make(copy)
    assert "finish" in checks["reused"] and "report" not in checks["reused"]


def test_the_manifest_says_where_a_make_is_after_each_step_and_is_indented_once_it_ends(copy, monkeypatch):
    """After each step the manifest is rewritten, compact (a stopped make says where it stopped); the make's last
    write, once it ends, is indented for people."""
    from shotcraft.qa import report as report_module

    during: dict[str, str] = {}
    original = report_module.write_plan_report

    def peek(*args, **kwargs):
        during["text"] = (copy / "out" / "manifest.json").read_text()
        return original(*args, **kwargs)

    _cube(copy / "looks" / "look.cube", 0.7)  # a new grade: the finish and the report run again
    monkeypatch.setattr(report_module, "write_plan_report", peek)
    make(load_plan(copy / "film.yaml"), copy / "out", jobs=1, progress=False)
    progress = json.loads(during["text"])
    assert progress["checks"]["stages"]["finish"] == "done" and "report" not in progress["checks"]["stages"]
    assert "\n" not in during["text"].rstrip("\n")  # compact
    final = (copy / "out" / "manifest.json").read_text()
    assert final.startswith('{\n  "manifest_version"') and json.loads(final)["checks"]["stages"]["report"] == "done"


def _second_copy(made, tmp_path) -> Path:
    target = tmp_path / "second" / "film"
    shutil.copytree(made[0], target)
    return target


def test_with_two_jobs_the_cut_runs_beside_the_finish_and_the_manifest_reads_as_with_one(made, copy, tmp_path):
    """`-j 2`: the rough cut is encoded on the make's worker while the finish encodes; the manifest lists the same
    deliverables in the same order, with the same steps done and reused, as a make with one job."""
    import threading

    other = _second_copy(made, tmp_path)
    for folder in (copy, other):
        _tone(folder / "sound" / "music.wav", 247, 3, 0.2)  # a new mix: the cut and the finish both re-run
    threads: dict[tuple[str, str], str] = {}

    def seen(event):
        threads[(event.stage, event.kind)] = threading.current_thread().name

    with listen(seen):
        two = make(load_plan(other / "film.yaml"), other / "out", jobs=2, progress=False)
    one = make(load_plan(copy / "film.yaml"), copy / "out", jobs=1, progress=False)
    assert threads[("cut", "done")].startswith("shotcraft-step")
    assert threads[("finish", "start")] == threads[("report", "done")] == threading.current_thread().name
    assert list(two.checks["stage_seconds"]) == [step.name for step in STEPS]
    for key in ("stages", "reused", "stale", "conformance"):
        assert two.checks[key] == one.checks[key], key
    listed = [json.loads((f / "out" / "manifest.json").read_text())["deliverables"] for f in (copy, other)]
    assert [(e["kind"], e["path"]) for e in listed[0]] == [(e["kind"], e["path"]) for e in listed[1]]
    assert (copy / "out" / "mk-rough-cut.mp4").read_bytes() == (other / "out" / "mk-rough-cut.mp4").read_bytes()


def test_a_cut_failing_beside_the_finish_stops_the_make_and_keeps_the_finish(copy):
    """The cut's error is the make's (named, one line); the finish that ran beside it is whole, recorded and reused."""
    from shotcraft.errors import ShotcraftError

    _tone(copy / "sound" / "music.wav", 262, 3, 0.2)
    rough_cut = copy / "out" / "mk-rough-cut.mp4"
    rough_cut.unlink()
    rough_cut.mkdir()  # the rough cut cannot be written
    with pytest.raises(ShotcraftError, match="mk-rough-cut.mp4"):
        make(load_plan(copy / "film.yaml"), copy / "out", jobs=2, progress=False)
    written = json.loads((copy / "out" / "manifest.json").read_text())
    assert written["checks"]["stages"]["cut"] == "failed" and written["checks"]["stages"]["finish"] == "done"
    assert "report" not in written["checks"]["stages"] or written["checks"]["stages"]["report"] != "done"
    rough_cut.rmdir()
    checks, _ = _make(copy)
    assert "finish" in checks["reused"] and "cut" not in checks["reused"]
    assert rough_cut.is_file()


def test_a_finish_failing_while_the_cut_runs_keeps_the_cut(copy):
    from shotcraft.errors import ShotcraftError

    _tone(copy / "sound" / "music.wav", 277, 3, 0.2)
    master = copy / "out" / "mk_master.mov"
    master.unlink()
    master.mkdir()
    with pytest.raises(ShotcraftError, match="mk_master.mov"):
        make(load_plan(copy / "film.yaml"), copy / "out", jobs=2, progress=False)
    written = json.loads((copy / "out" / "manifest.json").read_text())
    assert written["checks"]["stages"]["cut"] == "done" and written["checks"]["stages"]["finish"] == "failed"
    assert "rough-cut" in {entry["kind"] for entry in written["deliverables"]}
    master.rmdir()
    checks, _ = _make(copy)
    assert "cut" in checks["reused"] and "finish" not in checks["reused"]


def test_without_jobs_make_uses_one_per_core_for_every_step(copy, monkeypatch):
    """`shotcraft make` without -j: the finish's lanes and the cut beside it follow the cores, like the render."""
    import threading

    from shotcraft.render import executor

    monkeypatch.setattr(executor, "default_jobs", lambda: 2)
    _tone(copy / "sound" / "music.wav", 294, 3, 0.2)
    ended: dict[str, str] = {}
    with listen(lambda event: ended.__setitem__(event.stage, threading.current_thread().name) if event.kind == "done" else None):
        make(load_plan(copy / "film.yaml"), copy / "out", jobs=None, progress=False)
    assert ended["cut"].startswith("shotcraft-step") and ended["finish"] == threading.current_thread().name
