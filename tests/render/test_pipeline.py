"""`make`: render then cut, manifest.json listing each deliverable; a warm make redoes nothing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.render.helpers import plan_text, write_plan
from shotcraft.cli import app
from shotcraft.media.video import probe
from shotcraft.pipeline import STEPS, make
from shotcraft.render.store import open_project


@pytest.mark.slow
def test_make_renders_cuts_and_writes_the_manifest_then_warm_make_redoes_nothing(tmp_path):
    plan = write_plan(tmp_path / "film", plan_text("animatic", shots=3, takes=2, resolution="320x180"))
    out = tmp_path / "out"
    manifest = make(plan, out, jobs=2, progress=False)
    data = json.loads((out / "manifest.json").read_text())
    kinds = {entry["kind"]: entry for entry in data["deliverables"]}
    assert {"rough-cut", "otio"} <= set(kinds)
    rough = kinds["rough-cut"]
    assert rough["path"] == "enginetest-rough-cut.mp4" and rough["codec"] == "h264"
    assert rough["frames"] == 12 + 18 + 24  # 0.5 s + 0.75 s + 1 s at 24 fps
    assert probe(out / rough["path"]).frames == rough["frames"]
    assert set(data["checks"]["stages"].values()) == {"done"}
    assert list(data["checks"]["stages"]) == [step.name for step in STEPS]
    assert data["checks"]["render"]["rendered"] == 12
    assert any(entry.kind == "rough-cut" for entry in manifest.entries)
    videos = _checksummed_videos(out, data)
    assert {"master", "distribution"} <= set(videos)  # hashed in the background, then written into the manifest

    stamp = (out / rough["path"]).stat().st_mtime_ns
    result = CliRunner().invoke(app, ["make", str(plan.root / "film.yaml"), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "0 job(s) rendered, 12 cached" in result.stderr  # one closing line per stage, on stderr
    assert "(unchanged, reused)" in result.stderr
    runs = open_project(plan).ledger.runs()
    assert runs[-1]["jobs_rendered"] == 0
    assert (out / rough["path"]).stat().st_mtime_ns == stamp  # the cut was reused, not re-encoded
    assert _checksummed_videos(out, json.loads((out / "manifest.json").read_text())) == videos  # reused with the finish

    (out / rough["path"]).write_bytes(b"damaged")
    make(plan, out, jobs=1, progress=False)
    assert probe(out / rough["path"]).frames == rough["frames"]  # a damaged deliverable is rebuilt


def test_make_stops_with_one_line_when_a_take_fails(tmp_path, test_backends):
    plan = write_plan(tmp_path / "film", plan_text("test-broken"))
    result = CliRunner().invoke(app, ["make", str(plan.root / "film.yaml"), "--out", str(tmp_path / "out"), "--no-progress", "-j", "1"])
    assert result.exit_code == 1
    assert "render job(s) failed, first: shot s02" in result.stderr
    data = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert data["checks"]["stages"]["render"] == "failed" and data["deliverables"] == []


def _checksummed_videos(out, manifest: dict) -> dict[str, str]:
    """Each video deliverable's manifest sha256, checked against hashlib over the file's bytes."""
    import hashlib

    videos = {e["kind"]: e["sha256"] for e in manifest["deliverables"] if "conformance" in e}
    for entry in manifest["deliverables"]:
        if entry["kind"] in videos:
            assert videos[entry["kind"]] == hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest(), entry["path"]
    return videos
