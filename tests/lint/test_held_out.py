"""Held-out mutations of the three examples: words moved between every text field of a shot.

The issue's complaint: the same words raised a finding in `action` and passed
clean in the brief's subject. Here a timing-free mechanical action, a
character's name and a contact phrase are written into each text field that
reaches a prompt, on a shot whose other fields are neutral; each rule must
fire at exactly that field (the finding's path) and nowhere else on the shot.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from shotcraft.lint import lint_plan
from shotcraft.plan import load_plan_text
from tests.prompts.examples import EXAMPLES, example

BRIEF = ("subject", "emotion", "place", "time", "weather", "shot_type", "focal_length", "camera_movement", "palette", "texture", "mission")
#: every text field of a shot that the collector reads: (path inside the shot, how to write it)
FIELDS: list[tuple[tuple, str]] = [(("brief", name), "brief") for name in BRIEF] + [
    (("action",), "plain"),
    (("notes",), "plain"),
    (("triggers", 0, "beat"), "trigger"),
    (("end_frame", "subject"), "end_frame"),
    (("camera", "justification"), "camera"),
    (("takes", "values", 0), "variant"),
]
NEUTRAL = "calm"
#: which shot of each example gets the words, and the character it casts (the other one is named)
SHOTS = {"neo-noir": ("s05", "lucas", "Jack"), "cliff": ("c4", None, "Aya"), "serum": ("s7", None, "Lea")}
RULES = ["SC109", "SC201", "SC202", "SC209", "SC107", "SC203", "SC306", "SC301", "SC207"]


def _neutral_shot(raw: dict[str, Any], shot_id: str, cast: str | None) -> tuple[dict[str, Any], int]:
    data = copy.deepcopy(raw)
    # The first shot (it shows the geography) and the mutated one: rules judge a shot's own words,
    # and two shots lint five times faster than twelve.
    keep = [data["shots"][0]] + [shot for shot in data["shots"][1:] if shot["id"] == shot_id]
    data["shots"] = keep
    ids = {shot["id"] for shot in keep}
    data.setdefault("sound", {})["cues"] = [cue for cue in data["sound"].get("cues", []) if cue["shot"] in ids]
    for section, key in (("grade", "reference"), ("delivery", "poster_shot")):
        if data.get(section, {}).get(key) not in ids:
            data.get(section, {}).pop(key, None)
    index = next(i for i, shot in enumerate(data["shots"]) if shot["id"] == shot_id)
    shot = data["shots"][index]
    shot["brief"] = {name: NEUTRAL for name in BRIEF}
    shot["action"] = NEUTRAL
    for key in ("triggers", "notes", "end_frame", "takes", "props", "blocking", "lighting"):
        shot.pop(key, None)
    shot["camera"] = "static"
    shot["characters"] = [cast] if cast else []
    shot["type"] = "wide-ambience"
    return data, index


def _write(data: dict[str, Any], index: int, field: tuple, how: str, text: str) -> None:
    shot = data["shots"][index]
    if how == "brief":
        shot["brief"][field[1]] = text
    elif how == "plain":
        shot[field[0]] = text
    elif how == "trigger":
        shot["triggers"] = [{"at": 0.5, "beat": text}]
    elif how == "end_frame":
        shot["end_frame"] = {"subject": text}
    elif how == "camera":
        shot["camera"] = {"move": "static", "justification": text}
    elif how == "variant":
        shot["takes"] = {"count": 2, "vary": "prompt", "values": [text, NEUTRAL]}


def _findings(data: dict[str, Any], shot_id: str, codes: list[str]) -> dict[str, set[tuple]]:
    plan = load_plan_text(json.dumps(data), file="mutant.yaml")
    out: dict[str, set[tuple]] = {code: set() for code in codes}
    for finding in lint_plan(plan, select=codes):
        if finding.shot == shot_id:
            out[finding.code].add(finding.path[2:])
    return out


@pytest.fixture(scope="module", params=sorted(EXAMPLES))
def neutral(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], int]:
    name = request.param
    shot_id, cast, _other = SHOTS[name]
    data, index = _neutral_shot(example(name).raw, shot_id, cast)
    assert all(not paths for paths in _findings(data, shot_id, RULES).values()), "the neutral shot must lint clean"
    return name, data, index


@pytest.mark.parametrize(("field", "how"), FIELDS, ids=[".".join(map(str, f)) for f, _ in FIELDS])
def test_a_mechanical_action_is_found_in_every_field_and_only_there(neutral, field: tuple, how: str) -> None:
    name, base, index = neutral
    shot_id = SHOTS[name][0]
    data = copy.deepcopy(base)
    _write(data, index, field, how, "searches the coat pockets for the keys")
    found = _findings(data, shot_id, ["SC109"])["SC109"]
    if how == "trigger":
        assert found == set()  # written as a trigger, the beat is itself the timing
    else:
        assert found == {field}
        # a timing word in any other field is a trigger too
        other = ("notes",) if field != ("notes",) else ("brief", "emotion")
        _write(data, index, other, "plain" if other == ("notes",) else "brief", "suddenly freezes")
        assert _findings(data, shot_id, ["SC109"])["SC109"] == set()


@pytest.mark.parametrize(("field", "how"), FIELDS, ids=[".".join(map(str, f)) for f, _ in FIELDS])
def test_a_name_casts_the_character_in_every_field_and_only_there(neutral, field: tuple, how: str) -> None:
    name, base, index = neutral
    shot_id, _cast, other = SHOTS[name]
    data = copy.deepcopy(base)
    _write(data, index, field, how, f"{other} waits, still")
    found = _findings(data, shot_id, ["SC209"])["SC209"]
    # the mission says what the shot is for ("give Jack's decision time"): it casts nobody
    assert found == (set() if field == ("brief", "mission") else {field})
    _write(data, index, field, how, f"{other} waits off-screen")
    assert _findings(data, shot_id, ["SC209"])["SC209"] == set()


@pytest.mark.parametrize(("field", "how"), FIELDS, ids=[".".join(map(str, f)) for f, _ in FIELDS])
def test_contact_words_fire_where_they_are_with_the_cast_read_from_the_words(neutral, field: tuple, how: str) -> None:
    name, base, index = neutral
    shot_id, cast, other = SHOTS[name]
    data = copy.deepcopy(base)
    # the name in one field, the contact in another: each rule points at its own words
    name_field = ("brief", "subject") if field != ("brief", "subject") else ("action",)
    _write(data, index, name_field, "brief" if name_field[0] == "brief" else "plain", f"{other} in the centre")
    _write(data, index, field, how, "they kiss slowly")
    found = _findings(data, shot_id, ["SC201", "SC202", "SC209"])
    assert found["SC209"] == {name_field}
    two_people = cast is not None  # neo-noir: Lucas cast, Jack named; the others have one character
    assert found["SC202"] == ({field} if two_people else set())
    assert found["SC201"] == ({field} if two_people else set())
