"""Property: compiling is deterministic and never raises on any valid plan.

Valid plans are built by mutating the example through the pydantic models
(every mutated plan is re-validated, and the loader's cross-reference checks
must pass), with arbitrary Unicode text in every free-text field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from shotcraft.plan import load_plan
from shotcraft.plan.loader import LoadedPlan, Positions
from shotcraft.plan.presets import ShotType
from shotcraft.plan.references import check_references
from shotcraft.plan.schema import CameraMove, Film, Grain
from shotcraft.prompts import compile_plan
from shotcraft.prompts.negatives import split_terms
from tests.prompts.conftest import EXAMPLE

BASE = load_plan(EXAMPLE).film.model_dump(mode="python", by_alias=True)

text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
maybe_text = st.none() | text
placements = st.sampled_from(["left", "center-left", "center", "center-right", "right"])


@st.composite
def plans(draw: st.DrawFn) -> Film:
    data: dict[str, Any] = json.loads(json.dumps(BASE, default=str))  # a deep, plain copy
    charters = data["charters"]
    charters["negative_directing"] = draw(st.booleans())
    charters["prohibitions"] = draw(st.lists(text, max_size=4))
    charters["palette"] = draw(st.lists(text, max_size=3))
    charters["lighting"]["source"] = draw(maybe_text)
    charters["lighting"]["direction"] = draw(st.none() | st.sampled_from(["left", "back-right", "top"]))
    charters["texture"]["grain"] = draw(st.sampled_from([g.value for g in Grain]))
    charters["texture"]["sharpness"] = draw(st.sampled_from(["soft", "natural", "crisp"]))
    charters["texture"]["skin"] = draw(maybe_text)
    data["defaults"]["derive_seeds"] = draw(st.booleans())
    for character in data["characters"]:
        character["name"] = draw(maybe_text)
        character["descriptors"] = draw(st.dictionaries(st.text("abcdefgh", min_size=1, max_size=6), text, max_size=4))
        character["wardrobe"] = draw(st.lists(text, max_size=3))
    data["locations"][0]["geography"] = draw(maybe_text)
    data["locations"][0]["description"] = draw(text)
    ids = [character["id"] for character in data["characters"]]
    for shot in draw(st.lists(st.sampled_from(data["shots"]), max_size=6, unique_by=lambda s: s["id"])):
        shot["type"] = draw(st.sampled_from([t.value for t in ShotType]))
        for field in ("subject", "emotion", "place", "shot_type", "camera_movement", "palette", "texture", "prohibition"):
            shot["brief"][field] = draw(maybe_text)
        shot["action"] = draw(maybe_text)
        shot["camera"] = {"move": draw(st.sampled_from([m.value for m in CameraMove])), "justification": draw(maybe_text)}
        shot["characters"] = draw(st.permutations(ids).map(lambda p: p[: draw(st.integers(0, len(ids)))]))
        shot["blocking"] = {c: draw(placements) for c in shot["characters"] if draw(st.booleans())}
        shot["overrides"] = {
            c: {"descriptors": draw(st.dictionaries(st.sampled_from(["face", "hair", "new"]), text, max_size=2)),
                "wardrobe": draw(st.none() | st.lists(text, max_size=2))}
            for c in shot["characters"] if draw(st.booleans())
        }
        shot["gaze"] = draw(st.none() | st.sampled_from(["left", "camera", "down"]))
        shot["triggers"] = [
            {"at": round(shot["duration"] * fraction, 3), "beat": draw(text)}
            for fraction in draw(st.lists(st.floats(0, 0.95), max_size=3))
        ]
        shot["end_frame"] = draw(st.none() | st.builds(lambda s: {"subject": s}, maybe_text))
        vary = draw(st.sampled_from(["seed", "prompt", "motion", "cfg"]))
        values = {"seed": [], "prompt": draw(st.lists(text, min_size=2, max_size=2)),
                  "motion": [0.3, 0.5], "cfg": [4.5, 6.0]}[vary]
        shot["takes"] = {"count": 2, "vary": vary, "values": values}
    film = Film.model_validate(data)
    issues = check_references(LoadedPlan(film=film, path=Path("film.yaml"), positions=Positions(), raw=data))
    assume(not issues)
    return film


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(film=plans(), keyframe_family=st.sampled_from(["sd", "prose"]), clip_family=st.sampled_from(["sd", "prose"]))
def test_compile_is_deterministic_and_total_on_valid_plans(film: Film, keyframe_family: str, clip_family: str) -> None:
    first = compile_plan(film, keyframe_family=keyframe_family, clip_family=clip_family)
    again = compile_plan(Film.model_validate(film.model_dump()), keyframe_family=keyframe_family, clip_family=clip_family)
    assert [t.to_dict() for t in first] == [t.to_dict() for t in again]
    assert len(first) == 2 * len(film.shots)
    json.dumps([t.to_dict() for t in first])  # JSON-ready
    prohibited = {term.casefold() for p in film.charters.prohibitions for term in split_terms(p)}
    for take in first:
        for prompt in (take.keyframe_prompt, take.keyframe_negative, take.clip_prompt, take.clip_negative):
            assert "\n" not in prompt and "\r" not in prompt  # one line, whatever the YAML folded
        # every prohibition is a negative term, unless it names what the shot shows (then dropped, with a note)
        kept = {term.casefold() for term, _source in take.negative_sources}
        for term in prohibited - kept:
            assert any(f"negative {term!r}".casefold() in note.casefold() for note in take.negatives_dropped), term
        assert take.token_estimate >= 0
