"""Review state in the ledger: the rejection rule, sign-offs, checklist and note; notes as OTIO markers."""

from __future__ import annotations

from types import SimpleNamespace

import opentimelineio as otio
import pytest

from shotcraft.errors import InputError
from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.ledger import Ledger
from shotcraft.render.reviews import CHECKLIST, Reviews, current_renderings


@pytest.fixture
def reviews(tmp_path) -> Reviews:
    return Reviews(Ledger(tmp_path / "ledger.sqlite"))


def test_two_passes_with_a_major_defect_mark_the_shot_for_regeneration(reviews):
    first = {"A": "k1", "B": "k2"}
    reviews.reject("s01", "A", "k1", reason="six fingers", severity="major")
    assert reviews.shot_review("s01", first, None).state == "to review"
    reviews.reject("s01", "B", "k2", reason="face melts", severity="major")
    assert reviews.record_pass_if_all_rejected("s01", first)
    assert not reviews.record_pass_if_all_rejected("s01", first)  # one pass per set of renderings
    review = reviews.shot_review("s01", first, None)
    assert (review.state, review.passes) == ("to correct", 1) and "six fingers" in review.reason

    second = {"A": "k3", "B": "k4"}  # a targeted correction pass: new renderings start clean
    assert reviews.shot_review("s01", second, None).rejections == ()
    reviews.reject("s01", "A", "k3", reason="light from the left", severity="major")
    reviews.reject("s01", "B", "k4", reason="hands merge", severity="minor")
    assert reviews.record_pass_if_all_rejected("s01", second)
    review = reviews.shot_review("s01", second, None)
    assert review.state == "to regenerate" and "light from the left" in review.reason and review.passes == 2


def test_minor_rejections_alone_never_regenerate(reviews):
    for keys in ({"A": "k1"}, {"A": "k2"}, {"A": "k3"}):
        reviews.reject("s01", "A", keys["A"], reason="soft", severity="minor")
        reviews.record_pass_if_all_rejected("s01", keys)
        assert reviews.shot_review("s01", keys, None).state == "to review"


def test_two_reviewer_rule_needs_both_sign_offs_on_the_pick(reviews):
    current = {"A": "k1", "B": "k2"}
    assert reviews.shot_review("s01", current, "B").state == "picked"
    reviews.set_two_reviewers(True)
    reviews.sign_off("s01", "narrative", "B", "k2")
    review = reviews.shot_review("s01", current, "B")
    assert review.state == "picked" and "awaiting visual" in review.reason
    reviews.sign_off("s01", "visual", "A", "k1")
    assert reviews.shot_review("s01", current, "B").state == "picked"  # they disagree
    reviews.sign_off("s01", "visual", "B", "k2")
    assert reviews.shot_review("s01", current, "B").state == "signed off"
    with pytest.raises(InputError, match="role"):
        reviews.sign_off("s01", "sound", "B", "k2")


def test_checklist_note_and_bad_input(reviews):
    reviews.tick("validated mobile version", True)
    assert reviews.checklist()["validated mobile version"] and not reviews.checklist()["archived source file"]
    reviews.set_production_note(worked="fixed seeds on keyframes", reuse="the hallway sheet")
    assert reviews.production_note() == {"worked": "fixed seeds on keyframes", "broke": "", "reuse": "the hallway sheet"}
    with pytest.raises(InputError, match="checklist"):
        reviews.tick("looks cool", True)
    with pytest.raises(InputError, match="production note: unknown"):
        reviews.set_production_note(mood="fine")
    with pytest.raises(InputError, match="x: expected a position"):
        reviews.add_note("s01", "A", "k1", frame=3, x=1.5, y=0.5, text="edge")
    with pytest.raises(InputError, match="reason"):
        reviews.reject("s01", "A", "k1", reason="  ")


def test_checklist_lines_are_the_ones_qa_measures(example_plan_path):
    from shotcraft.qa.checklist import publication_checklist

    result = SimpleNamespace(shots=[], cuts=[], cut_note="no cut")
    assert tuple(item["item"] for item in publication_checklist(load_plan(example_plan_path), result)) == CHECKLIST


def test_notes_become_markers_in_the_exported_otio(animatic_plan, tmp_path):
    from shotcraft.edit.export import export_cut
    from shotcraft.render.store import open_project

    render_plan(animatic_plan, progress=False, jobs=1)
    project = open_project(animatic_plan)
    project.set_pick("s02", "B")
    reviews = Reviews(project.ledger)
    current = current_renderings(project, "s02")
    reviews.add_note("s02", "B", current["B"], frame=5, x=0.1, y=0.9, text="border shimmer bottom left\nsecond line", reviewer="ana")
    reviews.add_note("s02", "A", current["A"], frame=2, x=0.5, y=0.5, text="not in the cut: take A is not picked")
    export = export_cut(animatic_plan, project, tmp_path / "cut")
    timeline = otio.adapters.read_from_file(str(export.interchange["otio"]))  # OTIO's own reader
    clips = {clip.name: clip for clip in timeline.find_clips()}
    markers = clips["s02 B"].markers
    assert [m.name for m in markers] == ["border shimmer bottom left"]
    assert markers[0].marked_range.start_time.to_frames() == 5 and markers[0].color == otio.schema.MarkerColor.RED
    assert markers[0].metadata["shotcraft"]["note"].endswith("second line") and markers[0].metadata["shotcraft"]["reviewer"] == "ana"
    assert all(not clip.markers for name, clip in clips.items() if name != "s02 B")
