"""Property: on any valid plan, every rule runs without raising and findings are well located.

Shots of the clean base plan are rewritten with valid but arbitrary choices
(shot types, camera moves, durations, motion, blocking, end frames, takes,
seeds) and with text built from the linter's own vocabularies, so that every
rule's code path is exercised on many combinations.
"""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from shotcraft.errors import PlanError
from shotcraft.lint import RULES, lint_plan
from shotcraft.lint.vocab import style_associations, vocabulary, vocabulary_names
from shotcraft.plan import load_plan_text
from shotcraft.plan.presets import ShotType
from shotcraft.plan.schema import CameraMove
from tests.lint.casebook import BASE

BASE_DATA = YAML(typ="safe", pure=True).load(BASE.read_text(encoding="utf-8"))
PLACES = ["left", "center-left", "center", "center-right", "right"]
WORDS = sorted({term.replace("*", "s").replace("...", "the") for name in vocabulary_names() for term in vocabulary(name).terms})
WORDS += [a.trigger for a in style_associations()] + ["Mara", "Theo", "light from the left", "heavy grain", "no grain"]

phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)


@st.composite
def shot_edit(draw, index: int) -> dict:
    edit: dict = {}
    if draw(st.booleans()):
        edit["type"] = draw(st.sampled_from([t.value for t in ShotType]))
    if draw(st.booleans()):
        edit["camera"] = {"move": draw(st.sampled_from([m.value for m in CameraMove]))}
    if draw(st.booleans()):
        edit["duration"] = draw(st.floats(min_value=0.1, max_value=20).map(lambda x: round(x, 2)))
    if draw(st.booleans()):
        edit["motion"] = draw(st.floats(min_value=0, max_value=1).map(lambda x: round(x, 2)))
    if draw(st.booleans()):
        edit["action"] = draw(phrases)
    if draw(st.booleans()):
        edit["characters"] = draw(st.sampled_from([[], ["mara"], ["theo"], ["mara", "theo"]]))
        if len(edit["characters"]) == 2 and draw(st.booleans()):
            edit["blocking"] = {c: draw(st.sampled_from(PLACES)) for c in edit["characters"]}
            if draw(st.booleans()):
                edit["end_frame"] = {
                    "type": draw(st.sampled_from([t.value for t in ShotType])),
                    "blocking": {c: draw(st.sampled_from(PLACES)) for c in edit["characters"]},
                }
        else:
            edit["blocking"] = {}
    if draw(st.booleans()):
        edit["gaze"] = draw(st.sampled_from(["left", "right", "camera", "up", "down"]))
    if draw(st.booleans()):
        edit["anchor"] = draw(st.booleans())
    if draw(st.booleans()):
        edit["keyframe"] = {"seed": draw(st.integers(min_value=0, max_value=3)), "cfg": draw(st.floats(min_value=0, max_value=30).map(lambda x: round(x, 1)))}
    if draw(st.booleans()):
        edit["takes"] = draw(
            st.sampled_from(
                [
                    {"count": 4, "keep": 3},
                    {"count": 2, "vary": "prompt", "values": ["a, b, c", "x, y, c"]},
                    {"count": 2, "vary": "motion", "values": [0.1, 0.9]},
                    3,
                ]
            )
        )
    if draw(st.booleans()):
        edit["brief"] = {field: draw(phrases) for field in draw(st.sets(st.sampled_from(["subject", "mission", "palette", "texture", "camera_movement", "prohibition"])))}
    if draw(st.booleans()):
        edit["role"] = draw(st.sampled_from(["setup", "tension", "decision", "consequence"]))
    return edit


@st.composite
def valid_variant(draw) -> str:
    data = copy.deepcopy(BASE_DATA)
    for index, shot in enumerate(data["shots"]):
        edit = draw(shot_edit(index))
        if "characters" in edit and "blocking" not in edit:
            edit["blocking"] = {}
        shot.update(edit)
        if set(shot.get("blocking", {})) - set(shot.get("characters", [])):
            shot["blocking"] = {}
        if shot.get("end_frame") and set(shot["end_frame"].get("blocking", {})) - set(shot.get("characters", [])):
            shot.pop("end_frame")
    if draw(st.booleans()):
        data["production"]["kind"] = "ad"
    if draw(st.booleans()):
        data["charters"]["negative_directing"] = True
    if draw(st.booleans()):
        data["defaults"] = {"derive_seeds": False}
    return json.dumps(data)


@settings(max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_variant())
def test_every_rule_runs_on_any_valid_plan(text: str) -> None:
    try:
        plan = load_plan_text(text, file="variant.yaml")
    except PlanError:
        return  # e.g. a trim or transition that no longer fits the new duration
    findings = lint_plan(plan)
    line_count = text.count("\n") + 1
    for finding in findings:
        assert finding.code in RULES and finding.name == RULES[finding.code].name
        assert 1 <= finding.line <= line_count and finding.column >= 1
        assert finding.message.strip() and "\n" not in finding.message
        if finding.shot is not None:
            assert finding.shot in {s.id for s in plan.film.shots}
    assert findings == sorted(findings, key=lambda f: f.sort_key)
