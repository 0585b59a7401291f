"""conform refuses broken or hostile edits in one line, and the cut stays exactly as it was (#18 item 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from shotcraft.edit.build import build_timeline, override_path
from shotcraft.edit.otio_io import conform, export_otio
from shotcraft.edit.validate import MAX_JSON_DEPTH, json_depth
from shotcraft.errors import InputError
from tests.edit.conftest import make_film


@pytest.fixture
def conformed(tmp_path):
    """A film, its exported cut conformed once (the override every refusal must leave untouched)."""
    plan, project = make_film(tmp_path)
    exported = export_otio(build_timeline(plan, project), tmp_path / "cut.otio")
    conform(plan, project, exported)
    return plan, project, exported, override_path(plan, project).read_bytes()


def _edited(exported: Path, change, name: str) -> Path:
    document = otio.adapters.read_from_file(str(exported))
    change(document.video_tracks()[0])
    out = exported.parent / name
    otio.adapters.write_to_file(document, str(out))
    return out


def _clip(track, index: int = 0) -> otio.schema.Clip:
    return [item for item in track if isinstance(item, otio.schema.Clip)][index]


def _set_duration(value: float, rate: float = 24.0):
    def change(track):
        clip = _clip(track)
        clip.source_range = otio.opentime.TimeRange(clip.source_range.start_time, otio.opentime.RationalTime(value, rate))
    return change


def _set_start(value: float, rate: float):
    def change(track):
        clip = _clip(track)
        clip.source_range = otio.opentime.TimeRange(otio.opentime.RationalTime(value, rate), clip.source_range.duration)
    return change


def _set_url(url: str):
    def change(track):
        _clip(track, 1).media_reference.target_url = url
    return change


def _add_transition(kind: str):
    def change(track):
        track.insert(1, otio.schema.Transition(name="wipe", transition_type=kind,
                                               in_offset=otio.opentime.RationalTime(4, 24), out_offset=otio.opentime.RationalTime(4, 24)))
    return change


CASES = [
    ("nan duration", _set_duration(float("nan")), r"item 1 's1 A': source range duration is nan"),
    ("infinite duration", _set_duration(float("inf")), r"source range duration is inf"),
    ("negative duration", _set_duration(-120), r"source range duration is -120 frames; expected more than 0"),
    ("zero duration", _set_duration(0), r"source range duration is 0 frames; expected more than 0"),
    ("nan rate", _set_duration(24, float("nan")), r"source range duration is timed at rate nan"),
    ("zero rate", _set_start(0, 0.0), r"source range start is timed at rate 0.0"),
    ("negative rate", _set_start(0, -24.0), r"source range start is timed at rate -24.0"),
    ("huge start", _set_start(1e300, 24.0), r"source range start lasts .* s; nothing in an edit lasts more than 86400 s"),
    ("10,000-character URL", _set_url("file:///" + "a" * 10_000 + ".mp4"), r"item 2 .*: media URL of 10,0\d\d characters \(limit 4096\)"),
    ("media outside the store", _set_url("file:///etc/passwd"), r"media /etc/passwd \(shot s2 take A\) is not a take from this film's takes store"),
    ("unknown transition type", _add_transition("SMPTE_Wipe_Clockwise"), r"unknown transition type 'SMPTE_Wipe_Clockwise'"),
]


@pytest.mark.parametrize(("label", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_broken_edit_is_refused_and_the_cut_is_unchanged(conformed, label, change, message) -> None:
    plan, project, exported, before = conformed
    edited = _edited(exported, change, "edited.otio")
    with pytest.raises(InputError, match=message) as caught:
        conform(plan, project, edited)
    assert "\n" not in str(caught.value) and str(edited) in str(caught.value)
    assert override_path(plan, project).read_bytes() == before


def test_media_copied_to_another_folder_is_still_the_take(conformed, tmp_path) -> None:
    """An NLE's media folder holds copies: the same bytes are the same take."""
    plan, project, exported, _ = conformed
    copy = tmp_path / "media" / "copy.mp4"
    copy.parent.mkdir()
    copy.write_bytes(Path(project.take("s2", "A").clip_path).read_bytes())
    result = conform(plan, project, _edited(exported, _set_url(copy.as_uri()), "copied.otio"))
    assert "s2" in result.order


def test_deep_nesting_is_refused_before_otio_reads_it(conformed, tmp_path) -> None:
    """OTIO's C++ reader overflows its stack (exit 139) on deep JSON: the depth is checked first,
    in a real `shotcraft conform` process so a crash would show as a signal, not an exception."""
    plan, project, _, before = conformed
    deep = tmp_path / "deep.otio"
    deep.write_text('{"OTIO_SCHEMA": "Timeline.1", "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert json_depth(deep.read_text()) == 100_001 > MAX_JSON_DEPTH
    assert json_depth('{"a": "[[[[[[", "b": [1, {"c": 2}]}') == 3  # brackets inside strings do not count
    done = subprocess.run([str(Path(sys.executable).parent / "shotcraft"), "conform", str(plan.path), str(deep)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2, (done.returncode, done.stderr[-300:])
    assert done.stderr.startswith(f"shotcraft: {deep}: JSON nested 100001 levels deep (limit {MAX_JSON_DEPTH})")
    assert override_path(plan, project).read_bytes() == before
