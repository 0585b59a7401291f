"""One plan-to-cut decision: the cut sound is laid on before a render is the picture's cut after it.

``planned_timeline`` (sound before anything is rendered) and ``build_timeline`` (the picked takes)
must agree shot by shot: record positions, used ranges, handles, trims, transitions, J/L offsets.
Checked on a real animatic render of a plan with trims, dissolves and a dip, and on the neo-noir
example against the clip requests the render plans for it (what the takes will be), without rendering.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import soundfile

from shotcraft.edit.build import build_timeline, planned_timeline
from shotcraft.edit.timeline import Timeline
from shotcraft.plan import load_plan
from shotcraft.sound.mix import mix_film

ROOT = Path(__file__).resolve().parents[2]

TRIMS = """\
schema_version: 2
production: {id: trims, title: Trims, format: {resolution: 160x90, fps: 24}}
locations: [{id: street, description: a street}, {id: hall, description: a hall}]
defaults: {takes: 1}
sound:
  cues:
    - {shot: t2, at: 0.3, description: a knock}
    - {shot: t5, at: 0.2, description: a door slam}
shots:
  - {id: t1, type: establishing, location: street, duration: 1.5, transition: {type: dissolve, duration: 0.5}}
  - {id: t2, type: medium-action, location: street, duration: 2, trim: {in: 0.5}, transition: {type: dissolve, duration: 0.5}}
  - {id: t3, type: tight-portrait, location: hall, duration: 1.5, trim: {in: 0.25, out: 1.25}, transition: {type: dip-to-black, duration: 0.5, audio_offset: -0.25}}
  - {id: t4, type: insert, location: hall, duration: 2, trim: {out: 1.5}, transition: {type: cut, audio_offset: 0.5}}
  - {id: t5, type: insert, location: street, duration: 1.5, trim: {in: 0.75}, transition: {type: dissolve, duration: 0.5}}
"""


def cut_shape(timeline: Timeline) -> list[dict]:
    """Everything an event says about the cut but which take file it reads."""
    return [{k: v for k, v in dataclasses.asdict(e).items() if k not in ("take", "clip_path", "seed")} for e in timeline.events]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from shotcraft.render.engine import render_plan
    from shotcraft.render.store import open_project

    folder = tmp_path_factory.mktemp("trims")
    (folder / "film.yaml").write_text(TRIMS)
    plan = load_plan(folder / "film.yaml")
    planned = planned_timeline(plan)  # before any render
    assert render_plan(plan, jobs=1, progress=False).ok
    return plan, planned, build_timeline(plan, open_project(plan))


def test_planned_cut_is_the_rendered_cut_with_trims_and_transitions(rendered) -> None:
    plan, planned, cut = rendered
    assert cut_shape(planned) == cut_shape(cut)
    # the plan really exercises the rules: handles drawn, trims from the planned moment, a dissolve on handles
    t2, t5 = cut.event("t2"), cut.event("t5")
    assert t2.handle_head > 0 and t2.source_in == t2.planned_in == 12 + 12  # 12 handle frames + trim.in 0.5 s
    assert [e.transition for e in cut.events] == ["dissolve", "dissolve", "dip-to-black", "cut", "dissolve"]
    assert cut.event("t3").duration == 24 and cut.event("t4").audio_offset_frames == 12
    assert t5.source_in == t5.planned_in == 12 + 18 and t5.duration == 30  # trim.in 0.75 s: the take runs to its end


def test_sound_laid_before_the_render_is_the_sound_after_it(rendered, tmp_path) -> None:
    plan, planned, cut = rendered
    before = mix_film(plan, planned, tmp_path / "planned")
    after = mix_film(plan, cut, tmp_path / "cut")
    assert before.mix_path.read_bytes() == after.mix_path.read_bytes()
    # and the knock sits in t2 where the plan says, though the take carries 12 handle frames before it
    assert not [c for c in after.checks if c.get("code") == "SND108"]
    effects, rate = soundfile.read(str(tmp_path / "cut" / "stems" / "effects.wav"))
    onset = int(np.argmax(np.abs(effects).max(axis=1) > 1e-3))
    expected = (cut.event("t2").record_in / 24 + 0.3) * rate
    assert abs(onset - expected) < 0.02 * rate


@dataclass
class RequestedTake:
    """A take as the render plans it: the clip request's frames and handles (render.jobs decides them)."""

    label: str
    clip_path: Path
    seed: int
    frames: int
    rate: Fraction
    settings: dict


def test_neo_noir_planned_cut_matches_the_takes_the_render_will_draw(tmp_path) -> None:
    from shotcraft.render.jobs import plan_jobs

    plan = load_plan(ROOT / "examples" / "neo-noir" / "film.yaml")
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"stand-in: build_timeline does not decode media")
    takes = {}
    for jobs in plan_jobs(plan, takes=["A"]):
        request = jobs.clip.request
        takes[jobs.shot_id] = RequestedTake("A", clip, jobs.seed, request["frames"], Fraction(request["fps"]),
                                            {"inputs": {"request": {"handles": request["handles"]}}})

    class Project:
        folder = tmp_path / ".shotcraft"

        def picked_take(self, shot_id: str) -> RequestedTake:
            return takes[shot_id]

    planned, cut = planned_timeline(plan), build_timeline(plan, Project())
    assert len(cut.events) == len(plan.film.shots) == 12
    assert cut_shape(planned) == cut_shape(cut)
    assert all(e.handle_head == e.handle_tail == 12 and e.planned_in == e.source_in for e in cut.events)
