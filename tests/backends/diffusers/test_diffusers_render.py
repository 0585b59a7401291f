"""End to end: `shotcraft render` on a two-shot plan whose backends are diffusers-image / diffusers-video,
pointed at tiny model folders the test writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.media.video import probe
from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project


def _plan_text(image_folder: Path, video_folder: Path) -> str:
    return f"""schema_version: 2
production: {{id: tinyfilm, title: Tiny Film, format: {{resolution: 48x32, fps: 24}}}}
characters:
  - {{id: ana, descriptors: {{hair: short red hair}}, wardrobe: [yellow raincoat]}}
locations:
  - {{id: hall, description: a long empty hallway}}
defaults:
  takes: 1
  keyframe:
    backend: diffusers-image
    resolution: 32x32
    steps: 2
    model: {{path: {image_folder}}}
  clip:
    backend: diffusers-video
    model: {{path: {video_folder}, options: {{steps: 2, max_sequence_length: 16}}}}
shots:
  - {{id: s01, type: establishing, duration: 0.25, characters: [ana], location: hall, brief: {{subject: Ana waits}}}}
  - {{id: s02, type: tight-portrait, duration: 0.375, characters: [ana], location: hall, motion: 0.3,
      brief: {{subject: Ana turns}}}}
"""


@pytest.fixture
def tiny_plan(tmp_path, tiny_model):
    folder = tmp_path / "film"
    folder.mkdir()
    (folder / "film.yaml").write_text(_plan_text(tiny_model("sd15").folder, tiny_model("ltx").folder))
    return folder / "film.yaml"


def test_render_plan_with_diffusers_backends_end_to_end(tiny_plan):
    plan = load_plan(tiny_plan)
    report = render_plan(plan, progress=False)
    assert report.ok, report.to_dict()
    assert len(report.rendered) == 4  # two shots x (keyframe + clip)
    project = open_project(plan)
    for shot_id, frames in (("s01", 6), ("s02", 9)):
        record = project.take(shot_id, "A")
        assert record.done
        info = probe(record.clip_path)
        assert (info.width, info.height, info.frames) == (48, 32, frames)
        assert (record.width, record.height) == (48, 32)
        # the settings log carries each model's identity from what is pinned: the folder's content hash (its
        # scheduler config is one of the hashed files) and the libraries; nothing read from a hub cache
        log = json.dumps(project.settings_log(shot_id, "A"))
        assert "diffusers-image" in log and "diffusers-video" in log
        assert '"kind": "folder"' in log and '"sha256"' in log and '"diffusers": "0.' in log
        assert '"scheduler"' not in json.dumps(project.settings_log(shot_id, "A")["keyframe"]["settings"]["inputs"]["backend"])
    # a second render is fully cached: the model identity is stable between runs
    again = render_plan(load_plan(tiny_plan), progress=False)
    assert again.rendered == [] and len(again.cached) == 4


def test_shotcraft_render_command(tiny_plan, tmp_path, tiny_model):
    result = CliRunner().invoke(app, ["render", str(tiny_plan)])
    assert result.exit_code == 0, result.output
    broken = tmp_path / "broken" / "film.yaml"
    broken.parent.mkdir()
    broken.write_text(_plan_text(tmp_path / "missing-model", tiny_model("ltx").folder))
    result = CliRunner().invoke(app, ["render", str(broken)])
    assert result.exit_code != 0
    assert "missing-model does not exist" in result.output
    assert "Traceback" not in result.output
