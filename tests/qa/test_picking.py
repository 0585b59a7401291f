"""`shotcraft pick` as an assistant editor: rejected takes need --force, a cleared pick re-proposes from QA's scores."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.errors import InputError
from shotcraft.qa import picking
from shotcraft.render.engine import render_plan
from shotcraft.render.reviews import Reviews
from shotcraft.render.store import open_project
from tests.render.helpers import plan_text, write_plan

MAJOR = {"code": "QA101", "severity": "major", "start_frame": 3, "end_frame": 9, "value": 0.9, "threshold": 0.4,
         "message": "hands melt into the table"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One animatic shot, takes A and B rendered for real; QA rejects A and passes B (recorded as QA records them)."""
    plan = write_plan(tmp_path_factory.mktemp("picks") / "film", plan_text("animatic", shots=1, resolution="160x96"))
    render_plan(plan, progress=False)
    project = open_project(plan)
    project.record_qa("s01", "A", verdict="reject", score=31.0, flags=[MAJOR], metrics={})
    project.record_qa("s01", "B", verdict="pass", score=82.0, flags=[], metrics={})
    return plan


def _fresh(plan):
    project = open_project(plan)
    project.clear_pick("s01")
    project.set_qa_proposal("s01", "B", "best QA: take B (pass, 82)")
    return project


def test_a_take_qa_rejected_needs_force_and_says_why(rendered) -> None:
    project = _fresh(rendered)
    with pytest.raises(InputError, match=r"take A was rejected by QA \(score 31: QA101\); pick it anyway with --force"):
        picking.pick(project, "s01", "A")
    assert project.picked_take("s01").label == "B"
    assert picking.pick(project, "s01", "A", force=True).startswith("rejected by QA")
    assert (project.picked_take("s01").label, project.picked_take("s01").pick_reason) == ("A", "user")


def test_clearing_a_pick_proposes_again_without_it(rendered) -> None:
    project = _fresh(rendered)
    picking.pick(project, "s01", "A", force=True)
    # what QA records while the pick stands: the proposal repeats the user's pick
    project.set_qa_proposal("s01", "A", "take A picked by the user (QA: reject, 31)")
    picking.clear(project, "s01")
    picked = open_project(rendered).picked_take("s01")
    assert (picked.label, picked.pick_reason) == ("B", "qa")
    assert open_project(rendered).ledger.proposal("s01") == ("B", "best QA: take B (pass, 82) over A (reject, 31)")


def test_a_take_rejected_in_review_needs_force(rendered) -> None:
    project = _fresh(rendered)
    take_b = project.take("s01", "B")
    Reviews(project.ledger).reject("s01", "B", take_b.key, reason="the eyeline breaks", reviewer="ines")
    try:
        with pytest.raises(InputError, match=r"take B was rejected in review by ines \(major: the eyeline breaks\)"):
            picking.pick(project, "s01", "B")
    finally:
        Reviews(project.ledger).unreject("s01", "B", take_b.key)


def test_the_cli_refuses_in_one_line_and_warns_when_forced(rendered) -> None:
    _fresh(rendered)
    runner = CliRunner()
    refused = runner.invoke(app, ["pick", str(rendered.path), "s01", "A"])
    assert refused.exit_code == 2 and refused.stderr.strip().count("\n") == 0 and "--force" in refused.stderr
    forced = runner.invoke(app, ["pick", str(rendered.path), "s01", "A", "--force"])
    assert forced.exit_code == 0 and "warning: shot s01: take A was rejected by QA" in forced.stdout
    assert "take A (user)" in forced.stdout
    cleared = runner.invoke(app, ["pick", str(rendered.path), "s01", "--clear"])
    assert cleared.exit_code == 0 and "take B (qa)" in cleared.stdout
