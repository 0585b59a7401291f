"""Property: whatever the trims, transitions and take lengths, the cut is well formed.

Every used range lies inside its take, record positions are contiguous, and
every dissolve has the handle frames it draws on (or the plan is refused with
a located error). No media is decoded: one real clip stands for every take.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shotcraft.edit.build import build_timeline, transition_window
from shotcraft.errors import InputError
from shotcraft.plan import load_plan
from tests.edit.conftest import StandInProject, StandInTake

SHOT = st.fixed_dictionaries(
    {
        "duration": st.sampled_from([1.0, 1.5, 2.0, 3.0]),
        "trim_in": st.sampled_from([0.0, 0.25, 0.5]),
        "transition": st.sampled_from(["cut", "dissolve", "dip-to-black"]),
        "transition_s": st.sampled_from([0.25, 0.5]),
        "extra_frames": st.integers(min_value=-12, max_value=24),  # take longer or shorter than planned
    }
)


def plan_for(shots: list[dict]) -> str:
    lines = ["schema_version: 2", "production: {id: prop, title: Prop, format: {resolution: 64x48, fps: 24}}", "shots:"]
    for index, shot in enumerate(shots):
        transition = "cut" if shot["transition"] == "cut" else f"{{type: {shot['transition']}, duration: {shot['transition_s']}}}"
        lines.append(f"  - {{id: p{index}, type: establishing, duration: {shot['duration']}, trim: {{in: {shot['trim_in']}}}, transition: {transition}}}")
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shots=st.lists(SHOT, min_size=1, max_size=5))
def test_cut_is_well_formed_or_refused(shots, tmp_path_factory):
    folder = tmp_path_factory.mktemp("prop")
    clip = folder / "clip.mp4"
    clip.write_bytes(b"stand-in: build_timeline does not decode media")
    (folder / "film.yaml").write_text(plan_for(shots))
    plan = load_plan(folder / "film.yaml")
    takes = {}
    for index, shot in enumerate(shots):
        frames = max(1, int(shot["duration"] * 24) + shot["extra_frames"])
        takes[f"p{index}"] = [StandInTake(f"p{index}", "A", clip, seed=index, frames=frames, rate=Fraction(24))]
    try:
        timeline = build_timeline(plan, StandInProject(folder / ".shotcraft", takes))
    except InputError as error:
        assert "film.yaml:" in str(error) and "shots[" in str(error)
        return
    record = 0
    for index, event in enumerate(timeline.events):
        assert event.record_in == record and event.duration >= 1
        assert 0 <= event.source_in and event.source_in + event.duration <= event.take_frames
        record += event.duration
        start, end = transition_window(timeline, index)
        if event.transition == "dissolve" and index > 0:
            before, after = event.record_in - start, end - event.record_in
            assert event.handle_head >= before
            assert timeline.events[index - 1].handle_tail >= after
        if event.transition != "cut":
            assert end - start == event.transition_frames
    assert timeline.duration == record
    windows = [transition_window(timeline, k) for k in range(len(timeline.events))]
    for (_, end), (start, _) in zip(windows, windows[1:]):
        assert end <= start or start == end  # transitions never overlap (an empty window is a cut)
