"""The neo-noir demo: rendered by the animatic backend, QA'd, and its report parsed shot by shot."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from shotcraft.plan import load_plan
from shotcraft.qa.report import write_plan_report
from shotcraft.qa.run import run_qa
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project
from tests.conftest import EXAMPLE


class Report(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.shots: dict[str, int] = {}
        self.current: str | None = None
        self.images = 0
        self.checklist: list[str] = []
        self.strip: list[str] = []
        self.sections: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.sections.add(a["id"])
        if tag == "section" and "data-shot" in a:
            self.current = a["data-shot"]
            self.shots[self.current] = 0
        if "data-take" in a and self.current:
            self.shots[self.current] += 1
        if tag == "img" and (a.get("src") or "").startswith(("data:image/png;base64,", "data:image/jpeg;base64,")):
            self.images += 1
        if tag == "li" and "data-status" in a:
            self.checklist.append(a["data-status"])
        if "data-strip-shot" in a:
            self.strip.append(a["data-strip-shot"])


@pytest.mark.slow
def test_neo_noir_report_renders_every_shot(tmp_path) -> None:
    # the example as written, at a smaller picture size to keep the test short
    text = EXAMPLE.read_text().replace("resolution: 1280x720", "resolution: 480x270")
    (tmp_path / "film.yaml").write_text(text)
    plan = load_plan(tmp_path / "film.yaml")
    assert render_plan(plan, progress=False).ok
    result = run_qa(plan, open_project(plan))
    html_path, json_path = write_plan_report(result, tmp_path / "qa")
    report = Report()
    report.feed(html_path.read_text())
    shot_ids = [shot.id for shot in plan.film.shots]
    assert list(report.shots) == shot_ids
    assert all(count == 2 for count in report.shots.values())  # takes A and B side by side
    assert report.strip == shot_ids
    assert {"contact-sheet", "continuity", "checklist"} <= report.sections
    assert len(report.checklist) == 8
    assert report.images >= 3 * len(shot_ids)  # contact sheet, take frame and curves at least
    data = json.loads(json_path.read_text())
    assert [s["shot"] for s in data["shots"]] == shot_ids
    assert len(data["cuts"]) == len(shot_ids) - 1
    # the animatic is previz: stillness is noted, never a rejection
    rejected = [(s["shot"], t["take"], [(f["code"], f["message"]) for f in t["flags"] if f["severity"] == "major"])
                for s in data["shots"] for t in s["takes"] if t["verdict"] == "reject"]
    assert not rejected
    # after the grade, the report's continuity figures are those of the graded master's frames
    from shotcraft.edit.build import build_timeline
    from shotcraft.grade.plan import plan_grade
    from shotcraft.qa.graded import grade_continuity
    from tests.qa.test_graded import assert_cuts_match_the_master

    timeline = build_timeline(plan, open_project(plan))
    grade_plan = plan_grade(plan, timeline)
    grade_continuity(result, plan, timeline, grade_plan)
    assert result.graded and len(result.cuts) == len(shot_ids) - 1
    assert_cuts_match_the_master(result, timeline, grade_plan)
    html_path, _ = write_plan_report(result, tmp_path / "qa")
    assert html_path.read_text().count("data-before-grade=") == len(shot_ids) - 1
