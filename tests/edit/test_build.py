"""build_timeline: picks in plan order, trims, transitions drawing on handles, J/L offsets."""

from __future__ import annotations

from fractions import Fraction

import pytest

from shotcraft.edit.build import build_timeline, transition_window
from shotcraft.errors import InputError
from tests.edit.conftest import make_film, write_take


def test_cut_follows_plan_order_with_handles(film):
    plan, project = film
    timeline = build_timeline(plan, project)
    assert [e.shot_id for e in timeline.events] == ["s1", "s2", "s3", "s4"]
    assert [e.record_in for e in timeline.events] == [0, 24, 48, 72]
    assert timeline.duration == 96 and timeline.rate == Fraction(24)
    first = timeline.events[0]
    assert (first.source_in, first.duration, first.take_frames) == (0, 24, 30)
    assert (first.handle_head, first.handle_tail) == (0, 6)
    assert first.take == "A" and first.seed == 130 and first.clip_path.is_file()
    assert timeline.production_id == "edit-test" and timeline.conformed_from is None


def test_trims_select_the_used_frames(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", trim: {in: 0.25, out: 0.75}", "s3": ", trim: {in: 0.125}"})
    timeline = build_timeline(plan, project)
    s2, s3 = timeline.event("s2"), timeline.event("s3")
    assert (s2.source_in, s2.duration, s2.handle_head, s2.handle_tail) == (6, 12, 6, 12)
    # trimming the head keeps the planned length while the take has frames to give
    assert (s3.source_in, s3.duration) == (3, 24)
    assert s3.record_in == 24 + 12


@pytest.mark.parametrize(
    "extra, take_frames, message",
    [
        (", trim: {in: 0.25, out: 0.75}", 12, r"shots\[1\]\.trim\.out: 0\.75 s is past the end of take A"),
        (", trim: {in: 1.5}", 30, r"shots\[1\]\.trim\.in: 1\.5 s is past the end of take A"),
    ],
)
def test_bad_trims_name_the_shot_and_field(tmp_path, extra, take_frames, message):
    plan, project = make_film(tmp_path, extra={"s2": extra}, take_frames={"s2": take_frames})
    with pytest.raises(InputError, match=message):
        build_timeline(plan, project)


def test_a_shot_without_a_take_is_named(film):
    plan, project = film
    del project.takes["s3"]
    with pytest.raises(InputError, match=r"shots\[2\]: shot s3 has no finished take"):
        build_timeline(plan, project)


def test_a_take_whose_clip_vanished_is_named(film):
    plan, project = film
    project.takes["s2"][0].clip_path.unlink()
    with pytest.raises(InputError, match="take A of shot s2 is missing its clip"):
        build_timeline(plan, project)


def test_dissolve_draws_on_handles_and_keeps_edit_points(tmp_path):
    # s2 starts 0.5 s into its take (6 frames of head handle); s1 has 6 frames of tail handle
    plan, project = make_film(tmp_path, extra={"s2": ", trim: {in: 0.25}, transition: {type: dissolve, duration: 0.25}"})
    timeline = build_timeline(plan, project)
    s1, s2 = timeline.events[0], timeline.events[1]
    assert (s2.transition, s2.transition_frames) == ("dissolve", 6)
    assert (s1.source_in, s1.duration) == (0, 24) and (s2.source_in, s2.duration) == (6, 24)
    assert s2.record_in == 24 and timeline.duration == 96
    assert transition_window(timeline, 1) == (21, 27)


def test_dissolve_without_handles_trims_to_make_them(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", transition: {type: dissolve, duration: 0.5}"}, take_frames={"s1": 24, "s2": 24})
    timeline = build_timeline(plan, project)
    s1, s2 = timeline.events[0], timeline.events[1]
    # s2 needs 6 head frames: it starts 6 frames later; s1 needs 6 tail frames and has no head to slip: it ends 6 early
    assert (s2.source_in, s2.duration) == (6, 18)
    assert (s1.source_in, s1.duration) == (0, 18)
    assert s2.handle_head >= 6 and s1.handle_tail >= 6


def test_dip_to_black_needs_no_handles(tmp_path):
    plan, project = make_film(tmp_path, extra={"s3": ", transition: {type: dip-to-black, duration: 0.25}"}, take_frames={"s2": 24, "s3": 24})
    timeline = build_timeline(plan, project)
    s3 = timeline.event("s3")
    assert (s3.transition, s3.transition_frames, s3.source_in, s3.duration) == ("dip-to-black", 6, 0, 24)
    assert transition_window(timeline, 2) == (45, 51)


def test_transition_longer_than_the_shot_is_refused(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", transition: {type: dissolve, duration: 0.5}"}, take_frames={"s2": 8})
    with pytest.raises(InputError, match=r"shots\[1\]\.transition\.duration"):
        build_timeline(plan, project)


def test_j_and_l_cut_offsets_in_frames(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", transition: {type: cut, audio_offset: -0.25}", "s3": ", transition: {audio_offset: 0.125}"})
    timeline = build_timeline(plan, project)
    assert timeline.event("s2").audio_offset_frames == -6
    assert timeline.event("s3").audio_offset_frames == 3


def test_a_take_at_another_rate_is_measured_in_film_frames(tmp_path):
    plan, project = make_film(tmp_path)
    project.takes["s2"] = [write_take(tmp_path / "takes", "s2", 60, label="A", rate=Fraction(48))]
    timeline = build_timeline(plan, project)
    s2 = timeline.event("s2")
    assert s2.source_rate == Fraction(48)
    assert (s2.take_frames, s2.duration) == (30, 24)


def test_a_damaged_cut_override_is_named_with_the_way_out(film):
    plan, project = film
    (project.folder).mkdir(parents=True, exist_ok=True)
    (project.folder / "cut.json").write_text('{"cut_override_version": 1, "events": [{"shot": "s1"}]}')
    with pytest.raises(InputError, match=r"cut\.json: not a valid cut override .*shotcraft conform PLAN --reset"):
        build_timeline(plan, project)
    assert len(build_timeline(plan, project, use_override=False).events) == 4


def test_the_cut_uses_the_middle_of_a_take_drawn_with_handles_and_of_a_longer_imported_clip(tmp_path):
    from tests.edit.conftest import make_film

    plan, project = make_film(tmp_path, extra={"s3": ", trim: {in: 0.25}", "s4": ", trim: {in: 0.25}"},
                              take_frames={"s1": 48, "s2": 40, "s3": 48, "s4": 40})  # fmt: skip
    for shot in ("s1", "s3"):  # rendered with 12 frames of handle each side (what the clip request records)
        take = project.takes[shot][0]
        take.settings, take.source = {"inputs": {"request": {"handles": 12}}}, "render"
    for shot in ("s2", "s4"):  # imported, 16 frames longer than planned
        project.takes[shot][0].source = "import"
    events = {e.shot_id: e for e in build_timeline(plan, project).events}
    assert (events["s1"].source_in, events["s1"].handle_head, events["s1"].handle_tail) == (12, 12, 12)
    assert events["s2"].source_in == 8 and events["s2"].handle_tail == 8  # centred: the extra split both sides
    assert events["s3"].source_in == 12 + 6  # a rendered take's trim counts from the planned moment
    assert events["s4"].source_in == 6  # an imported clip's trim counts from the file's first frame
