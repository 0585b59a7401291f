"""The JSON Schema is valid, checked in, and the example and template validate against it."""

from __future__ import annotations

import json
from fractions import Fraction

import jsonschema
import pytest
from ruamel.yaml import YAML

from shotcraft.plan import json_schema, load_plan, load_plan_text
from shotcraft.plan.scaffold import template_text
from tests.conftest import EXAMPLE, REPO


def test_schema_is_valid_against_the_meta_schema() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)


def _meaning(schema: object) -> object:
    """The schema less what pydantic releases write differently for the same meaning: `additionalProperties: true`
    is JSON Schema's default (pydantic 2.14 writes it, 2.10 leaves it out); numbers compare by value (3600 == 3600.0)."""
    if isinstance(schema, dict):
        return {key: _meaning(value) for key, value in schema.items() if not (key == "additionalProperties" and value is True)}
    if isinstance(schema, list):
        return [_meaning(value) for value in schema]
    return schema


def test_checked_in_schema_is_current() -> None:
    on_disk = json.loads((REPO / "schema" / "film.schema.json").read_text())
    assert _meaning(on_disk) == _meaning(json.loads(json.dumps(json_schema()))), \
        "run `make schema` and commit schema/film.schema.json"


@pytest.mark.parametrize("text", [EXAMPLE.read_text(), template_text()], ids=["example", "template"])
def test_plans_validate_against_json_schema(text: str) -> None:
    data = YAML(typ="safe").load(text)
    jsonschema.validate(data, json_schema())


def test_example_loads_with_expected_shape() -> None:
    plan = load_plan(EXAMPLE)
    film = plan.film
    assert 10 <= len(film.shots) <= 14
    assert film.production.format.resolution == (1280, 720)
    assert film.production.format.fps == Fraction(24)
    total = sum(shot.duration for shot in film.shots)
    assert 45 <= total <= 60
    assert film.shots[0].type.value == "establishing"


def test_template_loads() -> None:
    plan = load_plan_text(template_text())
    assert len(plan.film.shots) == 4


def test_ntsc_rate_is_exact() -> None:
    text = EXAMPLE.read_text().replace("fps: 24\n", "fps: 24000/1001\n    fps_override: broadcast delivery\n", 1)
    film = load_plan_text(text).film
    assert film.production.format.fps == Fraction(24000, 1001)
    assert film.model_dump(mode="json")["production"]["format"]["fps"] == "24000/1001"


@pytest.mark.parametrize(("model", "field"), [("Sound", "crossfade"), ("Transition", "duration")])
def test_a_narrowed_bound_holds_in_the_model_and_the_schema(model: str, field: str) -> None:
    """le=10 on a `Seconds` field (le=3600): pydantic 2.14 let the wider bound win when both were declared."""
    from pydantic import ValidationError

    from shotcraft.plan import schema

    cls = getattr(schema, model)
    extra = {"type": "dissolve"} if model == "Transition" else {}
    assert getattr(cls(**{field: 10, **extra}), field) == 10
    with pytest.raises(ValidationError, match=field):
        cls(**{field: 11, **extra})
    assert json_schema()["$defs"][model]["properties"][field]["maximum"] == 10
