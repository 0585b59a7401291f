"""Rules whose fix is prose: doing what the fix says, by hand, on the rule's bad fixture clears the rule.

Each entry below is the fix as a director would carry it out after reading the
finding's fix line (quoted beside it); the test applies it to the plan data of
``fixtures/<CODE>/bad.yaml`` and lints again: the rule is gone and no rule fires
that did not fire before. A rule whose fix is a machine edit is covered by
test_capability.py's edit test; this file holds the others, and a test keeps
the two lists complete.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from shotcraft.lint import RULES, lint_plan
from shotcraft.plan import load_plan, load_plan_text
from tests.lint.casebook import FIXTURES

Data = dict[str, Any]
REV = "0123456789abcdef0123456789abcdef01234567"


def shot(data: Data, shot_id: str) -> Data:
    return next(s for s in data["shots"] if s["id"] == shot_id)


def _split_long_shot(d: Data) -> None:  # SC101 "split it into shots of 3-5 s and cut between them"
    first = shot(d, "s1")
    first["duration"] = 4
    second = copy.deepcopy(first)
    second.update(id="s1b", action="Mara pauses over the shaped loaf.")
    d["shots"].insert(1, second)


def _establish_first(d: Data) -> None:  # SC107 "put an establishing shot of 'bakery' first that shows what is where"
    wide = copy.deepcopy(shot(d, "s1"))
    wide.update(id="s0", type="establishing", characters=[], blocking={}, action="The oven glows in the empty kitchen.")
    wide["brief"].update(subject="the empty bakery kitchen before dawn, the oven glowing", shot_type="wide establishing shot")
    d["shots"].insert(0, wide)


def _shot_reverse_shot(d: Data) -> None:  # SC201 "split it into shot-reverse-shot extreme close-ups, one character each"
    base = shot(d, "s4")
    index = d["shots"].index(base)
    mara = copy.deepcopy(base)
    mara.update(id="s4", type="extreme-close-up", characters=["mara"], blocking={}, motion=0.3,
                action="Mara looks up across the worktable.")
    mara["brief"].update(subject="Mara's eyes looking up across the worktable", shot_type="extreme close-up")
    theo = copy.deepcopy(mara)
    theo.update(id="s4b", characters=["theo"], action="Theo holds her look.")
    theo["brief"].update(subject="Theo's eyes holding her look")
    d["shots"][index : index + 1] = [mara, theo]


def _lighting_first(d: Data) -> None:  # SC307 "write charters.lighting (source, direction, temperature) first"
    d["charters"]["lighting"] = {"source": "the glowing mouth of the wood-fired oven", "direction": "left", "color_temperature": 2700}


def _third_shot(d: Data) -> None:  # SC501 "plan at least setup, tension and consequence shots"
    d["shots"].append({"id": "s3", "role": "consequence", "type": "object-detail", "duration": 2.5, "motion": 0.25,
                       "characters": [], "location": "bakery", "camera": "static", "action": "Steam curls slowly from both cups.",
                       "brief": {**shot(d, "s1")["brief"], "subject": "two white enamel cups of black coffee on the oak worktable",
                                 "shot_type": "macro detail shot", "focal_length": "100mm macro", "camera_movement": "static",
                                 "mission": "the routine is for two again"}})


def _set(shot_id: str, **fields: Any) -> Callable[[Data], None]:
    return lambda d: shot(d, shot_id).update(fields)


def _brief(shot_id: str, **fields: Any) -> Callable[[Data], None]:
    return lambda d: shot(d, shot_id)["brief"].update(fields)


def _drop(shot_id: str, *fields: str) -> Callable[[Data], None]:
    def drop(d: Data) -> None:
        for name in fields:
            shot(d, shot_id).pop(name, None)
    return drop


def _replace_in(shot_id: str, field: tuple[str, ...], old: str, new: str) -> Callable[[Data], None]:
    def replace(d: Data) -> None:
        node = shot(d, shot_id)
        for part in field[:-1]:
            node = node[part]
        assert old in node[field[-1]], (shot_id, field, node[field[-1]])
        node[field[-1]] = node[field[-1]].replace(old, new)
    return replace


#: code -> the fix carried out by hand (the fix line it follows in the comment)
HAND_FIXES: dict[str, Callable[[Data], None]] = {
    "SC101": _split_long_shot,
    "SC103": _brief("s1", camera_movement="slow push-in"),  # "break the move into short shots"
    "SC105": _set("s1", camera="push-in"),  # "use a slow push-in or a static camera"
    "SC107": _establish_first,
    "SC108": _drop("s4", "end_frame"),  # "... (or drop end_frame)"
    "SC110": lambda d: (_set("s1", duration=5)(d), _set("s5", duration=2.5)(d)),  # "alternate short shots and breathing shots"
    "SC201": _shot_reverse_shot,
    "SC202": _set("s4", anchor=True),  # "type: profile-two-shot, anchor: true, characters already inches apart"
    "SC203": _replace_in("s2", ("brief", "subject"), ", long blonde hair loose", ""),  # "describe mara only through the sheet"
    "SC205": lambda d: shot(d, "s3")["keyframe"].update(seed=8),  # "give each shot its own seed"
    # "keep at least three of gaze axis, light direction, grain, contrast and speed constant across the cut"
    "SC206": lambda d: shot(d, "s3").pop("grade"),
    "SC207": _replace_in("s5", ("brief", "subject"), "by the kitchen window", "on the oak worktable"),  # "simplify the angle"
    "SC208": _set("s5", blocking={"mara": "left", "theo": "right"}),  # "keep each character on the same side"
    "SC210": _set("s2", characters=["mara"]),  # "... or remove theo from characters"
    "SC301": _replace_in("s2", ("action",), "the door", "the single green wooden back door"),  # "say which door"
    "SC302": _replace_in("s1", ("brief", "shot_type"), ", 8k, hyper sharp", ""),  # "drop it"
    "SC305": _brief("s5", focal_length="100mm macro", mission="the routine is for two again"),  # "fill every line"
    "SC306": _replace_in("s1", ("brief", "place"), " with no neon signs", " lit only by the oven"),  # "describe what is there"
    "SC307": _lighting_first,
    "SC309": _replace_in("s5", ("brief", "subject"), ", a tired smile above them", ""),  # "cut the words"
    "SC310": _brief("s5", prohibition="no third cup"),  # "replace the prohibition with one against what must not appear"
    "SC501": _third_shot,
    "SC502": _set("s5", role="consequence"),  # "give it a role"
    "SC503": lambda d: d["production"]["arc"].update(consequence="They share the first coffee across the worktable."),
    "SC504": _set("s5", role="consequence"),  # "... or correct the role"
    # "end on a visual CTA: a packshot or end card with the product and the one thing to do"
    "SC505": _brief("s5", shot_type="macro packshot with the bakery logo on the cups"),
    "SC507": lambda d: shot(d, "s5")["takes"].update(values=["steam curls slowly, dawn light", "steam rises fast, dawn light"]),
    "SC508": lambda d: d["intention"].update(emotional_detail="Flour on two hands that finally touch."),  # "answer all five"
    "SC520": lambda d: d["production"].update(logline="Before dawn, a baker hears the back entrance creak."),  # "cut the logline"
    "SC521": _set("s3", action="Theo smiles, breathless, and nods."),  # "show it instead"
    "SC522": _set("s5", camera="static"),  # "keep the ending still: camera: static"
    "SC523": _drop("s5", "lighting"),  # "keep one key direction on the product across its shots"
    "SC601": _set("s1", clip={"backend": "animatic"}),  # "... or name one of: animatic, ..."
    # "generate at 16 fps (clip.fps, with an fps_override saying why)"
    "SC603": lambda d: shot(d, "s1")["clip"].update(fps=16, fps_override="Wan generates at 16 fps; the edit conforms once"),
    "SC606": _set("s1", clip={"backend": "diffusers-video", "model": {"repo": "Lightricks/LTX-Video", "revision": REV, "family": "ltx"}}),
    "SC607": _set("s1", keyframe={"backend": "diffusers-image",
                                  "model": {"repo": "stabilityai/stable-diffusion-xl-base-1.0", "revision": REV, "family": "sdxl"}}),
    "SC608": _drop("s3", "transition"),  # "... or cut"
    "SC612": lambda d: d["production"]["format"].update(resolution="1920x1080"),  # "frame the film at one of 16:9, 9:16"
    "SC613": lambda d: shot(d, "s1").pop("keyframe"),  # "remove the seed (the service cannot honour it) ..."
    "SC614": lambda d: d["characters"][0].update(references=["refs/mara_front.png"]),  # "keep at most 1 reference"
    "SC615": _set("s1", clip={"backend": "fixture-cloud"}),  # "... or use a service that reads a negative prompt"
}


def _codes(data: Data) -> dict[str, set]:
    found: dict[str, set] = {}
    for finding in lint_plan(load_plan_text(json.dumps(data), file="film.yaml")):
        found.setdefault(finding.code, set()).add(finding.shot)
    return found


def _machine_fixed() -> set[str]:
    codes = set()
    for code in RULES:
        findings = [f for f in lint_plan(load_plan(FIXTURES / code / "bad.yaml")) if f.code == code]
        if findings and all(f.edits for f in findings):
            codes.add(code)
    return codes


def test_every_rule_has_a_machine_fix_or_a_hand_fix_here() -> None:
    machine = _machine_fixed()
    assert not machine & set(HAND_FIXES), sorted(machine & set(HAND_FIXES))
    assert set(RULES) - machine - {"SC509"} <= set(HAND_FIXES) | machine, sorted(set(RULES) - machine - set(HAND_FIXES))


@pytest.mark.parametrize("code", sorted(HAND_FIXES))
def test_doing_what_the_fix_says_clears_the_rule(code: str) -> None:
    data = copy.deepcopy(load_plan(FIXTURES / code / "bad.yaml").raw)
    before = _codes(data)
    assert code in before
    HAND_FIXES[code](data)
    after = _codes(data)
    assert code not in after, (code, after.get(code))
    assert set(after) <= set(before), sorted(set(after) - set(before))
