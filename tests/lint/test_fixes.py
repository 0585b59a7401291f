"""Following a rule's suggested fix never produces a new finding, nor a negative that names the shot's subject.

For each of the three examples, mutants trigger every rule whose fix is
mechanical (the finding carries plan edits); each finding's edits are applied
to the plan data, the plan is validated and linted again, and compiled: the
finding is gone, no finding appears that was not there before, and no kept
negative term names what its shot shows.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from shotcraft.lint import RULES, lint_plan
from shotcraft.lint.fixes import apply_edits
from shotcraft.plan import load_plan_text
from shotcraft.prompts import compile_shot
from shotcraft.prompts.negatives import fights, own_content
from tests.prompts.examples import EXAMPLES, example

#: per example: a shot with no timing words, a shot and a character it does not cast, a shot and a word
#: from its own subject, a style word and a shot to write it on
CHOICES = {
    "neo-noir": {"plain": "s05", "uncast": ("s12", "Lucas"), "own": ("s03", "keys"), "style": ("s12", "western")},
    "cliff": {"plain": "c2", "uncast": ("c4", "Aya"), "own": ("c8", "fire"), "style": ("c3", "golden hour")},
    "serum": {"plain": "s7", "uncast": ("s1", "Lea"), "own": ("s7", "bottle"), "style": ("s6", "golden hour")},
}


def _shot(data: dict[str, Any], shot_id: str) -> dict[str, Any]:
    return next(shot for shot in data["shots"] if shot["id"] == shot_id)


def _mechanical(data: dict, c: dict) -> None:
    _shot(data, c["plain"])["action"] = "searches the coat pockets for the keys"


def _uncast(data: dict, c: dict) -> None:
    shot_id, name = c["uncast"]
    _shot(data, shot_id)["action"] = f"{name} waits in the centre"


def _own_prohibition(data: dict, c: dict) -> None:
    shot_id, word = c["own"]
    _shot(data, shot_id)["brief"]["prohibition"] = f"no {word}, no lens dirt"


def _style(data: dict, c: dict) -> None:
    shot_id, word = c["style"]
    data["charters"]["negative_directing"] = False
    data["charters"]["prohibitions"] = [p for p in data["charters"]["prohibitions"] if p not in ("flying cars",)]
    _shot(data, shot_id)["brief"]["palette"] = f"{word}, " + _shot(data, shot_id)["brief"]["palette"]


def _size(data: dict, c: dict) -> None:
    _shot(data, c["plain"])["keyframe"] = {"resolution": "1000x1000"}


def _takes(data: dict, c: dict) -> None:
    _shot(data, c["plain"])["takes"] = {"count": 4}


def _ignore(data: dict, c: dict) -> None:
    _shot(data, c["plain"])["lint_ignore"] = ["SC101"]


def _spelling(data: dict, c: dict) -> None:
    shot = _shot(data, c["plain"])
    shot["type"] = {"wide-ambience": "Wide ambience shot", "object-detail": "detail"}.get(shot["type"], shot["type"].replace("-", " ").upper())


MUTATIONS: dict[str, tuple[Callable[[dict, dict], None], str]] = {
    "mechanical": (_mechanical, "SC109"),
    "uncast": (_uncast, "SC209"),
    "own-prohibition": (_own_prohibition, "SC310"),
    "style": (_style, "SC304"),
    "size": (_size, "SC308"),
    "takes": (_takes, "SC506"),
    "ignore": (_ignore, "SC509"),
    "spelling": (_spelling, "SC510"),
}


def _lint(data: dict[str, Any]):
    return lint_plan(load_plan_text(json.dumps(data), file="mutant.yaml"))


def _key(finding) -> tuple:
    return (finding.code, finding.shot, finding.path)


def test_every_rule_with_a_fix_is_covered() -> None:
    """The rules whose findings carry edits, as declared by the mutations below (a new one must join)."""
    assert {code for _mutate, code in MUTATIONS.values()} <= set(RULES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_following_the_fix_adds_no_finding_and_no_negative_against_the_subject(name: str, mutation: str) -> None:
    mutate, code = MUTATIONS[mutation]
    data = copy.deepcopy(example(name).raw)
    mutate(data, CHOICES[name])
    before = _lint(data)
    targeted = [f for f in before if f.code == code]
    assert targeted, f"{name}/{mutation} does not trigger {code}"
    before_keys = {_key(f) for f in before}
    for finding in targeted:
        assert finding.edits, f"{code} has a mechanical fix: it must carry edits"
        fixed = apply_edits(data, finding.edits)
        plan = load_plan_text(json.dumps(fixed), file="fixed.yaml")
        after = {_key(f) for f in lint_plan(plan)}
        assert _key(finding) not in after, (finding.message, finding.edits)
        assert after <= before_keys, sorted(after - before_keys)
        if finding.shot is not None:
            shot = plan.film.shot(finding.shot)
            content = own_content(plan.film, shot)
            for take in compile_shot(plan.film, shot.id):
                for term, _source in take.negative_sources:
                    assert fights(term, content) is None, (shot.id, term)
