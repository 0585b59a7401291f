"""Continuity judged on the graded picture: the cut figures equal measurements of the frames the master encodes."""

from __future__ import annotations

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


def assert_cuts_match_the_master(result, timeline, grade_plan) -> None:
    """Each graded cut's figures equal those measured on the frames the master encodes (render_frames + the grade)."""
    import cv2

    from shotcraft.qa.decode import PROXY_WIDTH, DecodedFrame, proxy_size
    from shotcraft.qa.features import FrameMeasurer
    from shotcraft.qa.model import ClipReport

    pw, ph = proxy_size(timeline.width, timeline.height, PROXY_WIDTH)
    measurer = FrameMeasurer(pw, ph)
    for index, frame in enumerate(render_frames(timeline, transform=grade_plan.transform)):
        measurer.update(DecodedFrame(index, cv2.resize(frame, (pw, ph), interpolation=cv2.INTER_AREA), None, False))
    master = ClipReport(path=timeline.events[0].clip_path, verdict="pass", score=100, flags=[], metrics={},
                        series={k: list(v) for k, v in measurer.series.items()}, frames=timeline.duration, rate=timeline.rate)
    window = round(0.5 * float(timeline.rate))
    for check, event in zip(result.cuts, timeline.events[1:]):
        if event.transition != "cut":
            continue  # a dissolve or dip mixes both shots on the master: the sides are compared on each shot's own frames
        cut = check.record_frame
        before = side(master, cut - window, cut - 1, grain_start=cut - window, grain_end=cut - 1)
        after = side(master, cut, cut + window - 1, grain_start=cut, grain_end=cut + window - 1)
        assert abs(check.deltas["QA201"] - (after.lightness - before.lightness)) < 0.3, (check.outgoing, check.incoming)
        assert abs(check.after.a - after.a) < 0.3 and abs(check.before.b - before.b) < 0.3


def test_cut_figures_are_those_of_the_graded_master_frames(graded) -> None:
    plan, result, timeline, grade_plan, _ = graded
    assert result.graded and len(result.cuts) == len(result.cuts_ungraded) == 2
    assert_cuts_match_the_master(result, timeline, grade_plan)
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


def test_graded_cuts_are_remembered_by_what_they_depend_on(graded, tmp_path, monkeypatch) -> None:
    from shotcraft.qa import graded as graded_module

    plan, result, timeline, grade_plan, _ = graded
    first = run_qa(plan, open_project(plan), record=False)
    grade_continuity(first, plan, timeline, grade_plan, cache_dir=tmp_path)
    monkeypatch.setattr(graded_module, "graded_cuts", lambda *a, **k: (_ for _ in ()).throw(AssertionError("re-measured")))
    again = run_qa(plan, open_project(plan), record=False)
    grade_continuity(again, plan, timeline, grade_plan, cache_dir=tmp_path)
    assert [c.to_dict() for c in again.cuts] == [c.to_dict() for c in first.cuts] and again.graded


def test_another_shotcraft_measures_every_graded_side_again(graded, tmp_path, monkeypatch) -> None:
    """The graded sides are kept by the code that graded and measured them: another shotcraft (or ffmpeg, or OpenCV
    under it) measures them again rather than read what the other code measured."""
    from shotcraft.qa import graded as graded_module

    plan, _, timeline, grade_plan, _ = graded
    grade_continuity(run_qa(plan, open_project(plan), record=False), plan, timeline, grade_plan, cache_dir=tmp_path)
    measured = []
    real = graded_module.graded_window
    monkeypatch.setattr(graded_module, "graded_window", lambda event, *a, **k: measured.append(event.shot_id) or real(event, *a, **k))
    grade_continuity(run_qa(plan, open_project(plan), record=False), plan, timeline, grade_plan, cache_dir=tmp_path)
    assert measured == []
    other = {**graded_module.code_identity(), "source": "0" * 64}
    monkeypatch.setattr(graded_module, "code_identity", lambda: other)
    again = run_qa(plan, open_project(plan), record=False)
    grade_continuity(again, plan, timeline, grade_plan, cache_dir=tmp_path)
    assert len(measured) == 2 * (len(timeline.events) - 1) and again.graded  # both sides of every cut


def test_after_a_one_shot_grade_change_only_the_cut_sides_of_that_shot_are_re_measured(graded, tmp_path, monkeypatch) -> None:
    from shotcraft.qa import graded as graded_module

    plan, _, timeline, grade_plan, folder = graded
    grade_continuity(run_qa(plan, open_project(plan), record=False), plan, timeline, grade_plan, cache_dir=tmp_path)
    edited = folder / "edited" / "film.yaml"
    edited.parent.mkdir(exist_ok=True)
    edited.write_text((folder / "film.yaml").read_text().replace("grade: {exposure: -0.6}", "grade: {exposure: -0.2}"))
    for name in ("pan_coffee", "tilt_rocket", "push_astronaut"):  # the same takes, imported into the edited film's store
        (edited.parent / f"{name}.mp4").write_bytes((folder / f"{name}.mp4").read_bytes())
    edited_plan = load_plan(edited)
    for shot, name in (("s01", "pan_coffee"), ("s02", "tilt_rocket"), ("s03", "push_astronaut")):
        add_take(edited_plan, shot, edited.parent / f"{name}.mp4", label="X")
    project = open_project(edited_plan)
    edited_timeline = build_timeline(edited_plan, project)
    edited_grade = plan_grade(edited_plan, edited_timeline)
    measured = []
    real = graded_module.graded_window
    monkeypatch.setattr(graded_module, "graded_window", lambda event, *a, **k: measured.append(event.shot_id) or real(event, *a, **k))
    result = run_qa(edited_plan, project, record=False)
    grade_continuity(result, edited_plan, edited_timeline, edited_grade, cache_dir=tmp_path)
    assert measured == ["s03"]  # one side of one cut: the incoming side of s02 -> s03
    fresh = graded_module.graded_cuts(edited_timeline, edited_grade.transform, graded_module.resolve_thresholds(edited_plan.film.qa.thresholds))
    assert [c.to_dict() for c in result.cuts] == [c.to_dict() for c in fresh]


def test_a_stopped_measuring_keeps_no_checks_and_the_next_call_measures_them(graded, tmp_path) -> None:
    """`make` measures the graded cuts beside the encodes; when the encodes fail it stops them before the next cut."""
    import threading

    from shotcraft.qa.graded import Stopped, graded_cut_checks

    plan, result, timeline, grade_plan, _ = graded
    stop = threading.Event()
    stop.set()
    with pytest.raises(Stopped):
        graded_cut_checks(plan, timeline, grade_plan.with_own_tables(), cache_dir=tmp_path, stop=stop)
    assert not list(tmp_path.glob(".graded-*.json"))  # no whole-cut record of a half measuring
    cuts = graded_cut_checks(plan, timeline, grade_plan.with_own_tables(), cache_dir=tmp_path)
    assert [c.to_dict() for c in cuts] == [c.to_dict() for c in result.cuts]  # the same figures as the plan's own tables
    assert len(list(tmp_path.glob(".graded-*.json"))) == 1
