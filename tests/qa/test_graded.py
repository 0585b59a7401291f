"""Continuity judged on the graded picture: the cut figures equal measurements of the frames the master encodes."""

from __future__ import annotations

import numpy as np
import pytest

from shotcraft.edit.build import build_timeline
from shotcraft.edit.render import render_frames
from shotcraft.grade.plan import plan_grade
from shotcraft.plan import load_plan
from shotcraft.qa.continuity import side
from shotcraft.qa.graded import grade_continuity
from shotcraft.qa.report import write_plan_report
from shotcraft.qa.run import run_qa
from shotcraft.render.imports import add_take
from shotcraft.render.store import open_project
from tests.qa import corpus

PLAN = """\
schema_version: 2
production: {id: gradetest, title: Grade Test, format: {resolution: 400x224, fps: 24}}
locations:
  - {id: kitchen, description: a kitchen}
grade: {match: true, contrast: 0.2}
shots:
  - {id: s01, type: wide-ambience, duration: 2, motion: 0.3, location: kitchen}
  - {id: s02, type: medium-action, duration: 2, motion: 0.3, location: kitchen, grade: {exposure: 0.8, temperature: 0.5}}
  - {id: s03, type: tight-portrait, duration: 2, motion: 0.3, location: kitchen, grade: {exposure: -0.6}}
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("graded")
    (folder / "film.yaml").write_text(PLAN)
    plan = load_plan(folder / "film.yaml")
    for shot, name in (("s01", "pan_coffee"), ("s02", "tilt_rocket"), ("s03", "push_astronaut")):
        add_take(plan, shot, corpus.clean(name, folder).path, label="X")
    project = open_project(plan)
    result = run_qa(plan, project)
    timeline = build_timeline(plan, project)
    grade_plan = plan_grade(plan, timeline)
    grade_continuity(result, plan, timeline, grade_plan)
    return plan, result, timeline, grade_plan, folder


def test_cut_figures_are_those_of_the_graded_master_frames(graded) -> None:
    plan, result, timeline, grade_plan, _ = graded
    assert result.graded and len(result.cuts) == len(result.cuts_ungraded) == 2
    # the master's frames, graded exactly as deliver encodes them, measured independently of graded.py's reader
    from shotcraft.qa.decode import DETAIL_WIDTH, PROXY_WIDTH, DecodedFrame, proxy_size
    from shotcraft.qa.features import FrameMeasurer
    from shotcraft.qa.model import ClipReport
    import cv2

    pw, ph = proxy_size(timeline.width, timeline.height, PROXY_WIDTH)
    measurer = FrameMeasurer(pw, ph)
    for index, frame in enumerate(render_frames(timeline, transform=grade_plan.transform)):
        measurer.update(DecodedFrame(index, cv2.resize(frame, (pw, ph), interpolation=cv2.INTER_AREA), None, False))
    master = ClipReport(path=timeline.events[0].clip_path, verdict="pass", score=100, flags=[], metrics={},
                        series={k: list(v) for k, v in measurer.series.items()}, frames=timeline.duration, rate=timeline.rate)
    for check in result.cuts:
        cut = check.record_frame
        before = side(master, cut - 12, cut - 1, grain_start=cut - 12, grain_end=cut - 1)
        after = side(master, cut, cut + 11, grain_start=cut, grain_end=cut + 11)
        assert abs(check.deltas["QA201"] - (after.lightness - before.lightness)) < 0.3
        assert abs(check.after.a - after.a) < 0.3 and abs(check.before.b - before.b) < 0.3
    # the grade moved the exposure jumps: before and after differ
    assert any(abs(g.deltas["QA201"] - u.deltas["QA201"]) > 1.0 for g, u in zip(result.cuts, result.cuts_ungraded))


def test_report_shows_each_cut_before_and_after_the_grade(graded) -> None:
    _, result, _, _, folder = graded
    html_path, json_path = write_plan_report(result, folder / "qa")
    html = html_path.read_text()
    assert html.count("data-before-grade=") == 2 and 'data-graded="true"' in html
    assert "Measured on the graded picture" in html
    data = __import__("json").loads(json_path.read_text())
    assert data["cuts_graded"] is True and len(data["cuts_ungraded"]) == 2
    light = next(i for i in result.checklist if i["item"] == "stable motivated light")
    assert light["status"] in ("ok", "fail")
