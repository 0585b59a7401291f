"""Plan mode: takes imported into a real store are scored, recorded in the ledger, proposed, and the cut checked."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.plan import load_plan
from shotcraft.qa.report import write_plan_report
from shotcraft.qa.run import run_qa
from shotcraft.render.imports import add_take
from shotcraft.render.store import open_project

PLAN = """\
schema_version: 2
production: {id: qatest, title: QA Test, format: {resolution: 320x180, fps: 24}}
locations:
  - {id: yard, description: a courtyard}
sound:
  ambience: {yard: {description: room tone}}
defaults: {takes: 2}
qa:
  thresholds: {QA101: 4.5}
shots:
  - {id: s01, type: wide-ambience, duration: 2, motion: 0.3, location: yard}
  - {id: s02, type: medium-action, duration: 2, motion: 0.3, location: yard}
  - {id: s03, type: tight-portrait, duration: 2, motion: 0.3, location: yard, qa: {thresholds: {QA108: 3.0}}}
"""


class Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.shots: list[str] = []
        self.takes: list[tuple[str, str]] = []
        self.checklist: list[str] = []
        self.strip: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "section" and "data-shot" in a:
            self.shots.append(a["data-shot"])
        if "data-take" in a:
            self.takes.append((self.shots[-1], a["data-verdict"]))
        if tag == "li" and "data-status" in a:
            self.checklist.append(a["data-status"])
        if "data-strip-shot" in a:
            self.strip.append(a["data-strip-shot"])


@pytest.fixture(scope="module")
def film(tmp_path_factory, clips):
    folder = tmp_path_factory.mktemp("film")
    (folder / "film.yaml").write_text(PLAN)
    plan = load_plan(folder / "film.yaml")
    add_take(plan, "s01", clips.get("clean"), label="C")
    add_take(plan, "s01", clips.get("flicker")[0], label="D")
    add_take(plan, "s02", clips.get("blank")[0], label="C")
    add_take(plan, "s02", clips.get("handheld"), label="D")
    add_take(plan, "s03", clips.get("frozen")[0], label="C")
    add_take(plan, "s03", clips.get("border_artifacts")[0], label="D")
    return plan


def test_takes_scored_recorded_and_best_proposed(film) -> None:
    project = open_project(film)
    result = run_qa(film, project)
    shots = {s.shot_id: s for s in result.shots}
    assert shots["s01"].proposal.take == "C" and shots["s02"].proposal.take == "D"
    assert {t.label: t.report.verdict for t in shots["s01"].takes} == {"C": "pass", "D": "reject"}
    # the ledger holds the scores and the proposal drives the pick
    record = project.take("s01", "D")
    assert record.qa["verdict"] == "reject" and any(f["code"] == "QA101" for f in record.qa["flags"])
    assert project.picked_take("s02").label == "D"
    # every take of s03 has a major defect after one pass: a targeted correction pass, no proposal
    assert shots["s03"].proposal.take is None and shots["s03"].proposal.action == "retry"
    assert "QA102" in shots["s03"].proposal.reason and "QA108" in shots["s03"].proposal.reason
    assert result.exit_code == 1
    # the cut (picks: proposals, default A for s03) is checked at each of its two joins
    assert [(c.outgoing, c.incoming) for c in result.cuts] == [("s01", "s02"), ("s02", "s03")]
    assert {item["item"]: item["status"] for item in result.checklist}["no major visible artifact"] == "fail"


def test_second_run_reuses_the_analysis_cache(film, monkeypatch) -> None:
    first = run_qa(film, open_project(film), record=False)

    def no_analysis(*args, **kwargs):
        raise AssertionError("analysed again")

    monkeypatch.setattr("shotcraft.qa.run.analyze_clip", no_analysis)
    second = run_qa(film, open_project(film), record=False)
    assert second.to_dict() == first.to_dict()


def test_other_analysing_code_or_libraries_analyse_again_and_the_same_ones_reuse(film, monkeypatch) -> None:
    """An edit to the analysis that forgot ANALYSIS_VERSION, or another OpenCV under it, is never answered by an
    entry the other code wrote; back to the same code and libraries, the entries are found again."""
    import shotcraft.qa.run as qa_run

    first = run_qa(film, open_project(film), record=False)
    takes = sum(len(shot.takes) for shot in first.shots)
    analysed: list[str] = []
    analyse = qa_run.analyze_clip
    monkeypatch.setattr(qa_run, "analyze_clip", lambda path, **kwargs: analysed.append(path) or analyse(path, **kwargs))
    libraries = qa_run._analysis_libraries()
    with monkeypatch.context() as patched:
        patched.setattr(qa_run, "ANALYSIS_CODE_FILES", qa_run.ANALYSIS_CODE_FILES[:-1])  # other code bytes
        assert run_qa(film, open_project(film), record=False).to_dict() == first.to_dict()
    assert len(analysed) == takes
    with monkeypatch.context() as patched:
        patched.setattr(qa_run, "_analysis_libraries", lambda: {**libraries, "opencv-python-headless": "0.0"})
        run_qa(film, open_project(film), record=False)
    assert len(analysed) == 2 * takes
    assert run_qa(film, open_project(film), record=False).to_dict() == first.to_dict()
    assert len(analysed) == 2 * takes


def test_analyses_in_worker_processes_are_the_ones_made_here_and_are_cached(film, monkeypatch) -> None:
    """From POOL_FROM uncached takes and two jobs the analyses run in spawned workers (none in this process), with
    the same reports, flags and scores as one after another here, and each is cached for the next run."""
    import shotcraft.qa.run as qa_run

    project = open_project(film)
    reread = qa_run._cached
    monkeypatch.setattr(qa_run, "_cached", lambda *args: None)  # every take analysed again, not read from the cache
    here = run_qa(film, project, record=False, jobs=1)
    assert sum(len(shot.takes) for shot in here.shots) >= qa_run.POOL_FROM

    def not_here(*args, **kwargs):
        raise AssertionError("analysed in the parent process")

    monkeypatch.setattr(qa_run, "analyze_clip", not_here)  # the workers import their own
    pooled = run_qa(film, project, record=False, jobs=2)
    assert pooled.to_dict() == here.to_dict()
    monkeypatch.setattr(qa_run, "_cached", reread)
    assert run_qa(film, project, record=False, jobs=2).to_dict() == here.to_dict()  # all from the cache, no analysis


FORKED_QA = """
import os
from pathlib import Path

import shotcraft.qa.run as qa_run
from shotcraft.plan import load_plan
from shotcraft.render.executor import can_fork
from shotcraft.render.store import open_project

if __name__ == "__main__":
    assert can_fork(), "this process runs another thread"
    film = load_plan(Path(PLAN_PATH))
    project = open_project(film)
    reread = qa_run._cached
    qa_run._cached = lambda cache, record_, key: None if record_.shot_id == "s03" else reread(cache, record_, key)
    here = qa_run.run_qa(film, project, record=False, jobs=1)
    new_takes = [take for shot in here.shots if shot.shot_id == "s03" for take in shot.takes]
    assert 1 < len(new_takes) < qa_run.POOL_FROM
    parent, analyse, marks = os.getpid(), qa_run.analyze_clip, Path(MARKS)

    def where(path, **kwargs):
        (marks / f"{os.getpid()}-{Path(path).name}").touch()
        assert os.getpid() != parent, "analysed in the parent process"
        return analyse(path, **kwargs)

    qa_run.analyze_clip = where  # only a forked worker runs this: a spawned one imports the module afresh
    forked = qa_run.run_qa(film, project, record=False, jobs=2)
    assert forked.to_dict() == here.to_dict()
    ran_in = {int(mark.name.split("-")[0]) for mark in marks.iterdir()}
    assert len(list(marks.iterdir())) == len(new_takes) and parent not in ran_in and len(ran_in) == 2, ran_in
    print("forked", len(ran_in))
"""


def test_a_few_new_takes_are_analysed_at_once_in_forked_workers_with_the_reports_made_here(film, tmp_path) -> None:
    """Under POOL_FROM uncached takes (a one-shot edit's two new takes) and two jobs, the takes are analysed at once in
    forked workers (they run the script's own wrapper, which a spawned worker would not have), none in the parent,
    with the reports made there one after the other. In a process of its own: a fork needs a process running no other
    thread, which a test process after other tests' servers need not be."""
    import subprocess
    import sys

    marks = tmp_path / "ran"
    marks.mkdir()
    script = tmp_path / "forked_qa.py"
    script.write_text(FORKED_QA.replace("PLAN_PATH", repr(str(film.path))).replace("MARKS", repr(str(marks))))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "forked 2" in done.stdout, done.stderr[-3000:]


def test_user_pick_wins_and_second_pass_means_regenerate(film, clips, tmp_path) -> None:
    project = open_project(film)
    project.set_pick("s02", "C")
    add_take(film, "s03", clips.get("blank")[0], label="E")
    add_take(film, "s03", clips.get("shake")[0], label="F")
    result = run_qa(film, project)
    shots = {s.shot_id: s for s in result.shots}
    assert shots["s02"].proposal.take == "C" and "picked by the user" in shots["s02"].proposal.reason
    assert shots["s03"].proposal.action == "regenerate" and shots["s03"].proposal.passes == 2
    project.clear_pick("s02")


def test_report_renders_every_shot(film, tmp_path) -> None:
    result = run_qa(film, open_project(film), record=False)
    html_path, json_path = write_plan_report(result, tmp_path / "report")
    parser = Sections()
    parser.feed(html_path.read_text())
    assert parser.shots == ["s01", "s02", "s03"]
    assert parser.strip == ["s01", "s02", "s03"]
    assert len(parser.checklist) == 8
    data = json.loads(json_path.read_text())
    assert [s["shot"] for s in data["shots"]] == ["s01", "s02", "s03"]
    item_schema = json.loads((Path(__file__).parents[2] / "src/shotcraft/qa/schema.json").read_text())["$defs"]["flag"]
    for shot in data["shots"]:
        for take in shot["takes"]:
            for flag in take["flags"]:
                jsonschema.validate(flag, item_schema)


def test_cli_plan_mode_json(film, tmp_path) -> None:
    result = CliRunner().invoke(app, ["qa", str(film.path), "--format", "json", "--report", str(tmp_path / "r")])
    assert result.exit_code == 1, result.output  # s03 has no usable take
    data = json.loads(result.stdout)
    assert data["summary"]["takes"] >= 6 and (tmp_path / "r" / "report.html").is_file()


def test_cli_plan_mode_analyses_in_j_workers(film, monkeypatch) -> None:
    """`shotcraft qa PLAN -j 2`: the takes the cache lacks are analysed in two worker processes, none here."""
    import shotcraft.qa.run as qa_run

    monkeypatch.setattr(qa_run, "_cached", lambda *args: None)

    def not_here(*args, **kwargs):
        raise AssertionError("analysed in the parent process")

    monkeypatch.setattr(qa_run, "analyze_clip", not_here)
    result = CliRunner().invoke(app, ["qa", str(film.path), "-j", "2", "--dry-run", "--format", "json"])
    assert result.exit_code == 1, result.output  # s03 has no usable take, as without -j
    assert json.loads(result.stdout)["summary"]["takes"] >= 6


def test_bad_threshold_in_plan_names_the_shot(film, tmp_path) -> None:
    text = PLAN.replace("QA108: 3.0", "QA108: 3.0, QA999: 1")
    (tmp_path / "film.yaml").write_text(text)
    plan = load_plan(tmp_path / "film.yaml")
    from shotcraft.errors import InputError

    with pytest.raises(InputError, match="shot s03 qa.thresholds: unknown QA threshold 'QA999'"):
        run_qa(plan, open_project(plan))


def test_nothing_rendered_yet(tmp_path) -> None:
    (tmp_path / "film.yaml").write_text(PLAN)
    plan = load_plan(tmp_path / "film.yaml")
    result = run_qa(plan, open_project(plan))
    assert [s.proposal.action for s in result.shots] == ["render"] * 3
    assert result.exit_code == 0 and result.cuts == [] and result.cut_note


def test_make_step_writes_the_report_under_qa(film, tmp_path) -> None:
    from shotcraft.qa.run import qa_for_make

    result = qa_for_make(film, tmp_path)
    assert (tmp_path / "qa" / "report.html").is_file() and (tmp_path / "qa" / "report.json").is_file()
    assert result.summary()["shots"] == 3


def test_a_second_report_reuses_every_picture(film, tmp_path, monkeypatch) -> None:
    from shotcraft.qa import report as report_module

    result = run_qa(film, open_project(film), record=False)
    first, _ = write_plan_report(result, tmp_path / "qa")
    assert list((tmp_path / "qa" / ".images").glob("*.json"))

    def no_drawing(*_args, **_kwargs):
        raise AssertionError("a warm report must not plot or decode")

    monkeypatch.setattr(report_module, "curves_png", no_drawing)
    monkeypatch.setattr(report_module, "_grab", no_drawing)
    again = run_qa(film, open_project(film), record=False)
    second, _ = write_plan_report(again, tmp_path / "qa")
    assert second.read_text() == first.read_text()


def test_pictures_drawn_beforehand_are_the_ones_the_report_shows(film, tmp_path, monkeypatch) -> None:
    """`make` draws the takes' pictures beside the encodes (another thread); the report then plots nothing."""
    import threading

    from shotcraft.qa import report as report_module
    from shotcraft.qa.report import draw_pictures

    result = run_qa(film, open_project(film), record=False)
    takes = sum(len(s.takes) for s in result.shots)
    stop = threading.Event()
    stop.set()
    assert draw_pictures(result, tmp_path / "early", stop=stop) == 0  # stopped before the first take
    drawn: list[int] = []
    worker = threading.Thread(target=lambda: drawn.append(draw_pictures(result, tmp_path / "early")))
    worker.start()
    worker.join(120)
    assert drawn == [takes] and draw_pictures(result, tmp_path / "early") == 0

    def no_drawing(*_args, **_kwargs):
        raise AssertionError("drawn beforehand: the report must not plot or decode")

    with monkeypatch.context() as patched:
        patched.setattr(report_module, "curves_png", no_drawing)
        patched.setattr(report_module, "_grab", no_drawing)
        early, _ = write_plan_report(run_qa(film, open_project(film), record=False), tmp_path / "early")
    late, _ = write_plan_report(run_qa(film, open_project(film), record=False), tmp_path / "late")
    assert early.read_text() == late.read_text()


def test_a_qa_worker_that_dies_is_one_clear_error() -> None:
    """A worker killed mid-analysis (the OOM killer) ends QA with a line saying what happened and what to do."""
    import os

    import shotcraft.qa.run as qa_run
    from shotcraft.errors import ShotcraftError
    from shotcraft.render.executor import worker_pool

    with pytest.raises(ShotcraftError, match=r"a worker process died while analysing .*-j 1"):
        with worker_pool(1) as pool:
            qa_run._result(pool.submit(os._exit, 3))


def test_two_lanes_sharing_the_makes_claim_draw_each_take_once(film, tmp_path) -> None:
    """`make` draws the pictures from the cut's lane and from the finish's side lane at once: the make's claim gives
    each take to one of them, and the report then finds every take drawn."""
    import threading

    from shotcraft.pipeline import MakeContext, _picture_claims
    from shotcraft.qa.report import draw_pictures

    result = run_qa(film, open_project(film), record=False)
    takes = sum(len(s.takes) for s in result.shots)
    ctx = MakeContext(plan=film, out_dir=tmp_path, manifest=None, jobs=2, progress=False, state={})
    claim = _picture_claims(ctx)
    assert _picture_claims(ctx) is claim  # one claim per make, whichever lane asks first
    counts: list[int] = []
    lanes = [threading.Thread(target=lambda: counts.append(draw_pictures(result, tmp_path / "qa", claim=claim))) for _ in range(2)]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join(120)
    assert len(counts) == 2 and sum(counts) == takes  # each take drawn once, by one lane or the other
    assert draw_pictures(result, tmp_path / "qa") == 0  # every take's pictures are there for the report
    assert not claim(result.shots[0].takes[0].report.cache_key)  # taken: a third lane would not draw it again
