"""`add_take`: clips made elsewhere become takes, conformed, with provenance; bad files change nothing."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.render.helpers import store_snapshot
from shotcraft.errors import InputError
from shotcraft.media.video import probe, read_frames
from shotcraft.render.engine import render_plan
from shotcraft.render.imports import add_take
from shotcraft.render.store import open_project


def _frames(count: int, width: int, height: int) -> list[np.ndarray]:
    out = []
    for index in range(count):
        frame = np.zeros((height, width, 3), np.uint8)
        frame[..., 0] = 30 + index * 5
        frame[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = (40, 180, 90)
        out.append(frame)
    return out


def _write(path: Path, codec: str, rate: int, frames: list[np.ndarray], pix_fmt: str = "yuv420p") -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], pix_fmt
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_mp4_at_another_size_and_rate_is_conformed(solid_plan, tmp_path):
    source = _write(tmp_path / "veo.mp4", "libx264", 30, _frames(30, 320, 240))  # 1 s at 30 fps, 4:3
    record = add_take(solid_plan, "s02", source, source="Veo 3", seed=42, note="the good one")
    assert (record.label, record.source, record.state, record.seed) == ("C", "import", "done", 42)
    assert (record.width, record.height, record.rate, record.frames) == (160, 96, Fraction(24), 24)
    info = probe(record.clip_path)
    assert (info.width, info.height, info.rate, info.frames, info.codec) == (160, 96, Fraction(24), 24, "h264")
    assert record.keyframe_path.suffix == ".png"
    provenance = record.provenance
    assert provenance["source"] == "Veo 3" and provenance["note"] == "the good one"
    assert provenance["original"]["width"] == 320 and provenance["original"]["rate"] == "30"
    log = open_project(solid_plan).settings_log("s02", "C")
    assert log["provenance"]["original"]["sha256"] and log["clip"]["state"] == "done"


def test_imported_take_can_be_picked_and_survives_renders(solid_plan, tmp_path):
    source = _write(tmp_path / "runway.webm", "libvpx-vp9", 24, _frames(12, 160, 96))
    add_take(solid_plan, "s01", source, label="R1")
    render_plan(solid_plan, progress=False)
    project = open_project(solid_plan)
    assert [t.label for t in project.takes("s01")] == ["A", "B", "R1"]
    project.set_pick("s01", "R1")
    assert project.picked_take("s01").source == "import"
    assert render_plan(solid_plan, progress=False).rendered == []


def test_png_sequence_as_folder_and_as_glob(solid_plan, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, frame in enumerate(_frames(10, 192, 108)):
        cv2.imwrite(str(folder / f"f{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    by_folder = add_take(solid_plan, "s03", folder)
    by_glob = add_take(solid_plan, "s03", str(folder / "f*.png"), label="D")
    assert by_folder.frames == by_glob.frames == 10  # a sequence plays at the shot's rate
    assert by_folder.key == by_glob.key  # same frames, same conform: same take content
    decoded = next(read_frames(by_folder.clip_path))
    assert abs(int(decoded[48, 80, 1]) - 180) < 8  # the centre patch survived cover-fit scaling


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 100, None])
def test_unreadable_video_is_one_line_naming_the_file_and_store_unchanged(solid_plan, tmp_path, content):
    render_plan(solid_plan, shots=["s01"], progress=False)
    before = store_snapshot(solid_plan)
    bad = tmp_path / "broken.mp4"
    if content is not None:
        bad.write_bytes(content)
    with pytest.raises(InputError) as info:
        add_take(solid_plan, "s01", bad)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)
    assert store_snapshot(solid_plan) == before
    assert not list(open_project(solid_plan).objects.temp_folder.glob("*"))


def test_truncated_video_is_refused(solid_plan, tmp_path):
    good = _write(tmp_path / "good.mp4", "libx264", 24, _frames(24, 160, 96))
    data = good.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 3])
    before = store_snapshot(solid_plan)
    with pytest.raises(InputError, match="truncated.mp4"):
        add_take(solid_plan, "s01", truncated)
    assert store_snapshot(solid_plan) == before


def test_bad_labels_and_shots(solid_plan, tmp_path):
    source = _write(tmp_path / "clip.mp4", "libx264", 24, _frames(6, 160, 96))
    with pytest.raises(InputError, match="take A is rendered from the plan"):
        add_take(solid_plan, "s01", source, label="A")
    with pytest.raises(InputError, match="no shot 'zz'"):
        add_take(solid_plan, "zz", source)
    with pytest.raises(InputError, match="expected an MP4, MOV or WebM"):
        add_take(solid_plan, "s01", tmp_path / "notes.txt" if (tmp_path / "notes.txt").write_text("x") else None)
    add_take(solid_plan, "s01", source, label="C")
    with pytest.raises(InputError, match="take C already exists"):
        add_take(solid_plan, "s01", source, label="C")


def test_clips_listed_in_the_plan_become_takes_once(tmp_path, test_backends):
    from tests.render.helpers import plan_text, write_plan

    folder = tmp_path / "film"
    folder.mkdir()
    _write(folder / "kling.mp4", "libx264", 24, _frames(12, 160, 96))
    plan = write_plan(folder, plan_text(shots=2, extra_shot=", clips: [kling.mp4]").replace(", clips: [kling.mp4]", "", 1))
    render_plan(plan, progress=False)
    render_plan(plan, progress=False)
    takes = open_project(plan).takes("s02")
    assert [(t.label, t.source) for t in takes] == [("A", "render"), ("B", "render"), ("C", "import")]
    assert "shots.s02.clips" in takes[2].provenance["source"]
    assert open_project(plan).takes("s01")[-1].label == "B"

    missing = write_plan(tmp_path / "other", plan_text(shots=1, extra_shot=", clips: [gone.mp4]"))
    with pytest.raises(InputError, match=r"^shot s01: clip .*gone.mp4 not found$"):
        render_plan(missing, progress=False)
