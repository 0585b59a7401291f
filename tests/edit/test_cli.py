"""`shotcraft cut` and `shotcraft conform` end to end: real animatic render, real store, real files."""

from __future__ import annotations

import json
from fractions import Fraction

import opentimelineio as otio
import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.media.video import probe

PLAN = """\
schema_version: 2
production:
  id: tiny
  title: Tiny Film
  format: {resolution: 320x180, fps: 24}
characters:
  - {id: ana, name: Ana, wardrobe: [red coat], descriptors: {hair: blonde hair}}
locations:
  - {id: park, description: a small park, geography: "a bench on the left, a lamp on the right"}
charters:
  lighting: {direction: left}
  palette: [warm gold, deep blue shadows]
defaults: {takes: 1}
shots:
  - {id: a1, role: setup, type: establishing, duration: 1, characters: [ana], location: park, camera: push-in}
  - {id: a2, role: tension, type: tight-portrait, duration: 1, characters: [ana], location: park, transition: {type: dissolve, duration: 0.25}}
  - {id: a3, role: decision, type: insert, duration: 1, location: park, camera: pan-left, brief: {subject: a letter on the bench}}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from shotcraft.plan import load_plan
    from shotcraft.render.engine import render_plan

    folder = tmp_path_factory.mktemp("film")
    (folder / "film.yaml").write_text(PLAN)
    report = render_plan(load_plan(folder / "film.yaml"), jobs=1, progress=False)
    assert report.ok
    return folder


def test_cut_writes_the_rough_cut_and_interchange_files(rendered):
    result = CliRunner().invoke(app, ["cut", str(rendered / "film.yaml"), "--out", str(rendered / "out"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["shots"] == ["a1", "a2", "a3"] and data["conformed_from"] is None
    info = probe(data["rough_cut"])
    # the animatic draws 12 frames of handle each side: the 6-frame dissolve takes nothing off the shots
    assert (info.codec, info.pix_fmt, info.frames, info.rate, info.width) == ("h264", "yuv420p", 72, Fraction(24), 320)
    for kind in ("otio", "edl", "fcp-xml", "fcpxml"):
        assert (rendered / "out").joinpath(data[kind]).is_file()


def test_conform_through_the_cli_then_cut_follows_it(rendered):
    runner = CliRunner()
    plan = str(rendered / "film.yaml")
    runner.invoke(app, ["cut", plan, "--out", str(rendered / "out")])
    document = otio.adapters.read_from_file(str(rendered / "out" / "tiny.otio"))
    track = document.video_tracks()[0]
    last = track.pop(len(track) - 1)  # the editor moves the letter insert to the front
    track.insert(0, last)
    otio.adapters.write_to_file(document, str(rendered / "edited.otio"))
    result = runner.invoke(app, ["conform", plan, str(rendered / "edited.otio")])
    assert result.exit_code == 0, result.output
    assert "cut now: a3 a1 a2" in result.output
    cut = runner.invoke(app, ["cut", plan, "--out", str(rendered / "out2"), "--format", "json"])
    assert json.loads(cut.output)["shots"] == ["a3", "a1", "a2"]
    reset = runner.invoke(app, ["conform", plan, "--reset"])
    assert "conformed edit removed" in reset.output


def test_conform_with_missing_media_is_one_line_and_exit_2(rendered):
    CliRunner().invoke(app, ["cut", str(rendered / "film.yaml"), "--out", str(rendered / "out3")])
    document = otio.adapters.read_from_file(str(rendered / "out3" / "tiny.otio"))
    document.video_tracks()[0].find_clips()[0].media_reference.target_url = "file:///nowhere/a1.mp4"
    otio.adapters.write_to_file(document, str(rendered / "broken.otio"))
    result = CliRunner().invoke(app, ["conform", str(rendered / "film.yaml"), str(rendered / "broken.otio")])
    assert result.exit_code == 2
    assert "points at missing media /nowhere/a1.mp4; nothing was changed" in result.output
    assert "Traceback" not in result.output


def test_cut_without_takes_names_the_shot(tmp_path):
    (tmp_path / "film.yaml").write_text(PLAN)
    result = CliRunner().invoke(app, ["cut", str(tmp_path / "film.yaml")])
    assert result.exit_code == 2
    assert "shot a1 has no finished take to cut" in result.output
