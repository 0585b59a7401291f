"""OTIO / EDL / FCP XML / FCPXML export, and conforming an edit made elsewhere back into the cut."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest

from shotcraft.edit.build import build_timeline, override_path
from shotcraft.edit.otio_io import conform, export_interchange, export_otio, reset_conform, write_interchange
from shotcraft.edit.render import render_frames
from shotcraft.errors import InputError
from shotcraft.plan import load_plan
from tests.conftest import EXAMPLE
from tests.edit.conftest import StandInProject, decode, make_film, write_take


def frames(time: otio.opentime.RationalTime) -> int:
    return int(round(time.rescaled_to(24).value))


def clips_of(document: otio.schema.Timeline) -> list[tuple[str, int, int]]:
    return [(c.name, frames(c.source_range.start_time), frames(c.source_range.duration)) for c in document.video_tracks()[0].find_clips()]


def centred_edits(document: otio.schema.Timeline) -> list[float]:
    """Record position of each edit point, a transition counted at its centre (EDL puts dissolves after the cut)."""
    points, position, pending = [], 0, None
    for item in document.video_tracks()[0]:
        if isinstance(item, otio.schema.Transition):
            pending = item
            continue
        if position:
            shift = (frames(pending.out_offset) - frames(pending.in_offset)) / 2 if pending is not None else 0
            points.append(position + shift)
        pending = None
        position += frames(item.source_range.duration)
    return points


def test_otio_export_carries_media_ranges_metadata_and_transitions(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", trim: {in: 0.25}, transition: {type: dissolve, duration: 0.25}"})
    timeline = build_timeline(plan, project)
    path = export_otio(timeline, tmp_path / "out" / "cut.otio")
    document = otio.adapters.read_from_file(str(path))
    track = document.video_tracks()[0]
    clips = list(track.find_clips())
    assert [c.name for c in clips] == ["s1 A", "s2 A", "s3 A", "s4 A"]
    s2 = clips[1]
    assert s2.metadata["shotcraft"]["shot"] == "s2" and s2.metadata["shotcraft"]["take"] == "A"
    assert s2.metadata["shotcraft"]["seed"] == project.takes["s2"][0].seed
    assert s2.media_reference.target_url == project.takes["s2"][0].clip_path.resolve().as_uri()
    assert frames(s2.media_reference.available_range.duration) == 30
    assert (frames(s2.source_range.start_time), frames(s2.source_range.duration)) == (6, 24)
    transitions = [item for item in track if isinstance(item, otio.schema.Transition)]
    assert len(transitions) == 1 and transitions[0].transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
    assert (frames(transitions[0].in_offset), frames(transitions[0].out_offset)) == (3, 3)
    assert document.metadata["shotcraft"]["rate"] == "24"


def test_round_trip_reorder_and_trim_then_conform(tmp_path):
    plan, project = make_film(tmp_path)
    plan_bytes = (tmp_path / "film.yaml").read_bytes()
    exported = export_otio(build_timeline(plan, project), tmp_path / "cut.otio")
    # an editor swaps s2 and s3 and trims s4 by 2 frames at the head and 4 at the tail
    document = otio.adapters.read_from_file(str(exported))
    track = document.video_tracks()[0]
    s2 = track.pop(1)
    track.insert(2, s2)
    s4 = track[3]
    s4.source_range = otio.opentime.TimeRange(otio.opentime.RationalTime(2, 24), otio.opentime.RationalTime(18, 24))
    edited = tmp_path / "elsewhere" / "edited.otio"
    edited.parent.mkdir()
    otio.adapters.write_to_file(document, str(edited))

    result = conform(plan, project, edited)
    assert result.order == ("s1", "s3", "s2", "s4")
    assert set(result.changed) == {"s2", "s3", "s4"} and not result.dropped and not result.foreign
    # the new cut is what the NLE said, and it is what build_timeline gives from now on
    timeline = build_timeline(plan, project)
    assert [(e.shot_id, e.source_in, e.duration, e.record_in) for e in timeline.events] == [
        ("s1", 0, 24, 0), ("s3", 0, 24, 24), ("s2", 0, 24, 48), ("s4", 2, 18, 72),
    ]
    assert timeline.conformed_from == str(edited.resolve())
    shown = [decode(f) for f in render_frames(timeline)]
    assert shown[24] == ("s3", 0) and shown[72] == ("s4", 2) and len(shown) == 90
    # stored as a cut override, film.yaml untouched
    assert override_path(plan, project) == tmp_path / ".shotcraft" / "cut.json"
    assert json.loads(override_path(plan, project).read_text())["events"][1]["shot"] == "s3"
    assert (tmp_path / "film.yaml").read_bytes() == plan_bytes
    # and exporting again gives the edited order
    again = otio.adapters.read_from_file(str(export_otio(timeline, tmp_path / "again.otio")))
    assert [c.name for c in again.video_tracks()[0].find_clips()] == ["s1 A", "s3 A", "s2 A", "s4 A"]


def test_conform_reports_foreign_clips_drops_and_gaps(tmp_path):
    plan, project = make_film(tmp_path)
    document = otio.adapters.read_from_file(str(export_otio(build_timeline(plan, project), tmp_path / "cut.otio")))
    track = document.video_tracks()[0]
    track.pop(2)  # the editor drops s3
    stock = write_take(tmp_path, "s1", 10, label="B")  # some other footage on disk
    foreign = otio.schema.Clip(
        name="stock_sunset",
        media_reference=otio.schema.ExternalReference(target_url=stock.clip_path.resolve().as_uri()),
        source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(10, 24)),
    )
    track.insert(1, foreign)
    track.append(otio.schema.Gap(duration=otio.opentime.RationalTime(5, 24)))
    edited = tmp_path / "edited.otio"
    otio.adapters.write_to_file(document, str(edited))
    result = conform(plan, project, edited)
    assert result.order == ("s1", "s2", "s4")
    assert result.dropped == ("s3",)
    assert len(result.foreign) == 1 and result.foreign[0].name == "stock_sunset"
    assert "not a shotcraft take" in result.foreign[0].describe()
    assert any("gap of 5 frames" in note for note in result.notes)


def test_missing_media_is_an_error_and_nothing_changes(tmp_path):
    plan, project = make_film(tmp_path)
    exported = export_otio(build_timeline(plan, project), tmp_path / "cut.otio")
    conform(plan, project, exported)
    before = override_path(plan, project).read_bytes()
    document = otio.adapters.read_from_file(str(exported))
    document.video_tracks()[0][2].media_reference.target_url = (tmp_path / "gone" / "s3.mp4").as_uri()
    document.video_tracks()[0].pop(0)
    broken = tmp_path / "broken.otio"
    otio.adapters.write_to_file(document, str(broken))
    with pytest.raises(InputError, match=r"broken\.otio: clip 's3 A' \(shot s3\) points at missing media .*gone/s3\.mp4; nothing was changed"):
        conform(plan, project, broken)
    assert override_path(plan, project).read_bytes() == before


def test_frames_beyond_the_take_are_refused(tmp_path):
    plan, project = make_film(tmp_path)
    document = otio.adapters.read_from_file(str(export_otio(build_timeline(plan, project), tmp_path / "cut.otio")))
    document.video_tracks()[0][0].source_range = otio.opentime.TimeRange(otio.opentime.RationalTime(10, 24), otio.opentime.RationalTime(30, 24))
    edited = tmp_path / "long.otio"
    otio.adapters.write_to_file(document, str(edited))
    with pytest.raises(InputError, match="shot s1 take A uses frames 10-40 but the take has 30; nothing was changed"):
        conform(plan, project, edited)
    assert not override_path(plan, project).exists()


def test_unreadable_edit_is_an_input_error(tmp_path):
    plan, project = make_film(tmp_path)
    bad = tmp_path / "notes.otio"
    bad.write_text("this is not json")
    with pytest.raises(InputError, match=r"notes\.otio: not a readable timeline"):
        conform(plan, project, bad)
    with pytest.raises(InputError, match="edited timeline not found"):
        conform(plan, project, tmp_path / "absent.otio")


def test_reset_returns_to_the_plan(tmp_path):
    plan, project = make_film(tmp_path)
    document = otio.adapters.read_from_file(str(export_otio(build_timeline(plan, project), tmp_path / "cut.otio")))
    document.video_tracks()[0].pop(0)
    edited = tmp_path / "edited.otio"
    otio.adapters.write_to_file(document, str(edited))
    conform(plan, project, edited)
    assert len(build_timeline(plan, project).events) == 3
    assert reset_conform(plan, project)
    assert len(build_timeline(plan, project).events) == 4
    assert not reset_conform(plan, project)


@pytest.fixture
def example_cut(tmp_path):
    """The neo-noir plan's cut over small stand-in takes (interchange files do not decode media)."""
    plan = load_plan(EXAMPLE)
    media = tmp_path / "takes"
    media.mkdir()
    takes = {}
    for shot in plan.film.shots:
        count = int(shot.duration * 24)
        take = write_take(media, "s1", count)  # content does not matter here, lengths do
        take.clip_path = take.clip_path.rename(media / f"{shot.id}.mp4")
        take.shot_id = shot.id
        takes[shot.id] = [take]
    return build_timeline(plan, StandInProject(tmp_path / ".shotcraft", takes), use_override=False)


def test_edl_and_fcp_xml_of_the_example_load_back(example_cut, tmp_path):
    paths = export_interchange(example_cut, tmp_path / "out", "neo-noir")
    expected = [(f"{e.shot_id} {e.take}", e.source_in, e.duration) for e in example_cut.events]
    assert len(expected) == 12
    for kind in ("otio", "edl", "fcp-xml", "fcpxml"):
        options = {"rate": 24} if kind == "edl" else {}
        document = otio.adapters.read_from_file(str(paths[kind]), **options)
        if isinstance(document, otio.schema.SerializableCollection):  # FCPXML: library/event holds the project
            [document] = list(document)
        assert clips_of(document) == expected, kind
    edl = paths["edl"].read_text()
    assert "TITLE: Night Return" in edl and "S01A" in edl


def test_transitions_survive_edl_and_fcp_xml(tmp_path):
    plan, project = make_film(tmp_path, extra={"s2": ", trim: {in: 0.25}, transition: {type: dissolve, duration: 0.25}"})
    timeline = build_timeline(plan, project)
    reference = centred_edits(to_document(timeline))
    for kind, suffix in (("edl", ".edl"), ("fcp-xml", ".xml")):
        path = write_interchange(timeline, tmp_path / f"cut{suffix}")
        document = otio.adapters.read_from_file(str(path), **({"rate": 24} if kind == "edl" else {}))
        assert centred_edits(document) == reference, kind
        assert any(isinstance(i, otio.schema.Transition) for i in document.video_tracks()[0]), kind


def to_document(timeline) -> otio.schema.Timeline:
    from shotcraft.edit.otio_io import to_otio

    return to_otio(timeline)


def test_unknown_interchange_format(tmp_path, film):
    plan, project = film
    with pytest.raises(InputError, match="unknown interchange format"):
        write_interchange(build_timeline(plan, project), tmp_path / "cut.aaf")
    assert not Path(tmp_path / "cut.aaf").exists()


@pytest.mark.parametrize("suffix", [".otio", ".edl", ".xml", ".fcpxml"])
def test_conforming_an_unedited_export_changes_nothing(tmp_path, suffix):
    plan, project = make_film(tmp_path, extra={"s2": ", trim: {in: 0.25}, transition: {type: dissolve, duration: 0.25}"})
    timeline = build_timeline(plan, project)
    exported = write_interchange(timeline, tmp_path / f"cut{suffix}")
    result = conform(plan, project, exported)
    # the FCPXML adapter writes no transitions: there the dissolve into s2 becomes a cut, nothing else moves
    assert result.changed == (("s2",) if suffix == ".fcpxml" else ())
    assert result.order == ("s1", "s2", "s3", "s4") and not result.foreign
    after = build_timeline(plan, project)
    assert [(e.shot_id, e.take, e.source_in, e.duration, e.record_in) for e in after.events] == [
        (e.shot_id, e.take, e.source_in, e.duration, e.record_in) for e in timeline.events
    ]
    if suffix != ".fcpxml":
        assert [(e.transition, e.transition_frames) for e in after.events] == [(e.transition, e.transition_frames) for e in timeline.events]


def test_an_edit_can_switch_to_another_take(tmp_path):
    plan, project = make_film(tmp_path)
    take_b = write_take(tmp_path / "takes", "s2", 30, label="B")
    project.takes["s2"].append(take_b)
    document = otio.adapters.read_from_file(str(export_otio(build_timeline(plan, project), tmp_path / "cut.otio")))
    clip = document.video_tracks()[0][1]
    clip.name = "s2 B"
    clip.metadata["shotcraft"]["take"] = "B"
    clip.media_reference.target_url = take_b.clip_path.resolve().as_uri()
    otio.adapters.write_to_file(document, str(tmp_path / "edited.otio"))
    result = conform(plan, project, tmp_path / "edited.otio")
    assert result.changed == ("s2",)
    event = build_timeline(plan, project).event("s2")
    assert event.take == "B" and event.clip_path == take_b.clip_path


def test_plan_changes_after_a_conform(tmp_path):
    plan, project = make_film(tmp_path)
    document = otio.adapters.read_from_file(str(export_otio(build_timeline(plan, project), tmp_path / "cut.otio")))
    track = document.video_tracks()[0]
    track.insert(0, track.pop(3))  # s4 first
    otio.adapters.write_to_file(document, str(tmp_path / "edited.otio"))
    conform(plan, project, tmp_path / "edited.otio")
    # the plan loses s3 and gains s5 at its end: s3 leaves the cut, s5 goes after the last of its plan predecessors
    text = (tmp_path / "film.yaml").read_text().replace("  - {id: s3, type: tight-portrait, duration: 1}\n", "")
    text += "  - {id: s5, type: insert, duration: 1}\n"
    (tmp_path / "film.yaml").write_text(text)
    plan = load_plan(tmp_path / "film.yaml")
    project.takes["s5"] = [write_take(tmp_path / "takes", "s1", 24)]
    assert [e.shot_id for e in build_timeline(plan, project).events] == ["s4", "s1", "s2", "s5"]


def test_ntsc_rate_exports(tmp_path):
    from fractions import Fraction

    plan, project = make_film(tmp_path)
    (tmp_path / "film.yaml").write_text((tmp_path / "film.yaml").read_text().replace("fps: 24", "fps: 24000/1001"))
    plan = load_plan(tmp_path / "film.yaml")
    for takes in project.takes.values():
        takes[0].rate = Fraction(24000, 1001)
    timeline = build_timeline(plan, project)
    paths = export_interchange(timeline, tmp_path / "out", "ntsc")
    edl = otio.adapters.read_from_file(str(paths["edl"]), rate=24000 / 1001)
    assert [round(c.source_range.duration.value) for c in edl.video_tracks()[0].find_clips()] == [24, 24, 24, 24]
    # the FCPXML adapter leaves frameDuration empty at 23.976; shotcraft fills it in exactly
    fcpxml = paths["fcpxml"].read_text()
    assert 'frameDuration="1001/24000s"' in fcpxml and 'duration="1001/1000s"' in fcpxml


def test_a_clip_without_any_range_is_reported(tmp_path):
    plan, project = make_film(tmp_path)
    document = otio.adapters.read_from_file(str(export_otio(build_timeline(plan, project), tmp_path / "cut.otio")))
    document.video_tracks()[0].append(otio.schema.Clip(name="placeholder", media_reference=otio.schema.MissingReference()))
    otio.adapters.write_to_file(document, str(tmp_path / "edited.otio"))
    result = conform(plan, project, tmp_path / "edited.otio")
    assert result.order == ("s1", "s2", "s3", "s4")
    assert [clip.name for clip in result.foreign] == ["placeholder"]
