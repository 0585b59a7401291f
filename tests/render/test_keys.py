from fractions import Fraction
from pathlib import PurePosixPath

import numpy as np
import pytest

from shotcraft.render.keys import UnhashableInputError, canonical_json, job_key


def test_key_ignores_dict_order_and_int_float_spelling():
    assert job_key({"a": 1, "b": {"x": 4.0, "y": [1, 2]}}) == job_key({"b": {"y": [1, 2], "x": 4}, "a": 1})


def test_key_changes_with_any_value():
    base = {"prompt": "a door", "seed": 1, "rate": Fraction(24000, 1001)}
    assert job_key(base) != job_key({**base, "seed": 2})
    assert job_key(base) != job_key({**base, "rate": Fraction(24)})
    assert job_key(base) != job_key({**base, "prompt": "a door "})


def test_canonical_json_is_stable_text():
    text = canonical_json({"a": Fraction(1, 3), "c": (1.5, None, True)})
    assert text == '{"a":{"fraction":"1/3"},"c":[1.5,null,true]}'


def test_a_bare_path_is_refused_naming_the_field():
    with pytest.raises(UnhashableInputError, match=r"inputs\.still.*bare path.*content hash"):
        job_key({"still": PurePosixPath("x/y.png")})


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"model": {"weights": np.zeros(3)}}, "inputs.model.weights"),
        ({"cfg": float("nan")}, "inputs.cfg"),
        ({"hook": object()}, "inputs.hook"),
        ({"refs": [1, {2: "x"}]}, "inputs.refs[1]"),
    ],
)
def test_unhashable_input_raises_naming_the_field(value, where):
    with pytest.raises(UnhashableInputError) as info:
        job_key(value)
    assert where in str(info.value)
    assert "\n" not in str(info.value)
