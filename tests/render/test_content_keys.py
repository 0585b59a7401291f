"""Keys follow contents, not paths: which jobs a change re-renders, counted through the ledger (dry runs read it)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import cv2
import pytest
from skimage import data as skdata

from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project

PLAN = """schema_version: 2
production: {{id: keys, title: Keys, format: {{resolution: 160x96, fps: 24}}}}
characters:
  - {{id: ana, descriptors: {{hair: short red hair}}, wardrobe: [yellow raincoat], references: [refs/ana.png]}}
  - {{id: ben, descriptors: {{hair: grey beard}}, wardrobe: [blue coat]}}
locations:
  - {{id: hall, description: a long empty hallway}}
defaults:
  takes: 1
  keyframe: {{backend: {backend}, resolution: 192x108}}
  clip: {{backend: {backend}}}
shots:
  - {{id: s01, role: setup, type: medium-action, duration: 1.0, characters: [ana], location: hall, camera: push-in,
      still: stills/s01.png, end_frame: {{still: stills/end.png}}, triggers: [{{at: 0.5, beat: she turns}}],
      brief: {{subject: Ana waits}}}}
  - {{id: s02, type: establishing, duration: 0.5, characters: [ben], location: hall, brief: {{subject: Ben walks}}}}
"""


def _write_image(path: Path, image) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


def _film(folder: Path, backend: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "film.yaml").write_text(PLAN.format(backend=backend))
    _write_image(folder / "refs" / "ana.png", skdata.astronaut())
    _write_image(folder / "stills" / "s01.png", skdata.coffee())
    _write_image(folder / "stills" / "end.png", skdata.chelsea())
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One film rendered once per backend; each test works on its own copy."""
    from shotcraft.backends import registry
    from tests.render.helpers import TEST_BACKENDS

    registry.register_backend("test-solid", TEST_BACKENDS["test-solid"])
    made = {}
    for backend in ("test-solid", "animatic"):
        folder = _film(tmp_path_factory.mktemp(backend) / "film", backend)
        report = render_plan(load_plan(folder / "film.yaml"), jobs=1, progress=False)
        assert report.ok and len(report.rendered) == 4
        made[backend] = folder
    yield made
    registry.unregister_backend("test-solid")


@pytest.fixture
def film(rendered, tmp_path):
    def copy(backend: str = "test-solid") -> Path:
        target = tmp_path / backend / "film"
        shutil.copytree(rendered[backend], target, symlinks=True)
        return target

    return copy


def _planned(folder: Path) -> set[tuple[str, str]]:
    report = render_plan(load_plan(folder / "film.yaml"), dry_run=True)
    return {(o.shot_id, o.kind) for o in report.planned}


def test_touching_every_input_re_renders_nothing(film):
    folder = film()
    for path in folder.rglob("*.png"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5 * 10**9))
    assert _planned(folder) == set()


def test_a_copied_project_reuses_every_job_and_no_key_holds_a_path(film, tmp_path):
    folder = film()
    moved = tmp_path / "elsewhere" / "renamed-film"
    shutil.copytree(folder, moved)  # new paths, new inodes: hashed once, same keys
    assert _planned(moved) == set()
    report = render_plan(load_plan(moved / "film.yaml"), jobs=1, progress=False)
    assert report.rendered == [] and len(report.cached) == 4
    for job in open_project(load_plan(moved / "film.yaml")).ledger.jobs():
        text = json.dumps(job.settings["inputs"])
        assert str(tmp_path) not in text and str(folder) not in text and "/" + "tmp" not in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("stills/s01.png", {("s01", "keyframe"), ("s01", "clip")}),
        ("refs/ana.png", {("s01", "keyframe"), ("s01", "clip")}),  # only ana's shots
        ("stills/end.png", {("s01", "clip")}),  # a last frame shapes the clip only
    ],
)
def test_new_content_at_the_same_path_re_renders_exactly_its_jobs(film, change, expected):
    folder = film()
    _write_image(folder / change, skdata.rocket())
    assert _planned(folder) == expected


@pytest.mark.parametrize("backend", ["test-solid", "animatic"])
@pytest.mark.parametrize(
    ("field", "old", "new"),
    [
        ("duration", "duration: 1.0", "duration: 1.5"),
        ("camera move", "camera: push-in", "camera: pull-out"),
        ("timing beats", "at: 0.5, beat: she turns", "at: 0.25, beat: she freezes"),
        ("role", "role: setup", "role: tension"),
    ],
)
def test_clip_only_fields_re_render_the_clip_not_the_keyframe(film, backend, field, old, new):
    folder = film(backend)
    plan = folder / "film.yaml"
    plan.write_text(plan.read_text().replace(old, new, 1))
    assert _planned(folder) == {("s01", "clip")}, field
