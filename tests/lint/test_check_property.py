"""Property: no input makes `shotcraft check` print a traceback or exit with anything but 0, 1 or 2.

Valid plans (the bundled example and the lint fixtures) are mutated at the
data level (delete a field, replace a value with one of the wrong type or
range, rename a key, duplicate or drop list items) and at the text level
(truncate, splice in junk, swap lines), then checked through Typer's
CliRunner; a few mutants also go through the real `shotcraft` executable.
Hypothesis runs derandomized so a failure reproduces on every machine.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from typer.testing import CliRunner

from shotcraft.cli import app
from tests.lint.casebook import BASE, FIXTURES

ROOT = Path(__file__).resolve().parents[2]
SEED_PLANS = [
    ROOT / "examples" / "neo-noir" / "film.yaml",
    BASE,
    FIXTURES / "bad-film.yaml",
    FIXTURES / "SC108" / "bad.yaml",
    FIXTURES / "SC507" / "bad.yaml",
    FIXTURES / "SC402" / "bad.yaml",
]
SEED_TEXTS = [path.read_text(encoding="utf-8") for path in SEED_PLANS]
SEED_DATA = [YAML(typ="safe", pure=True).load(text) for text in SEED_TEXTS]
ALLOWED_EXIT_CODES = {0, 1, 2}

runner = CliRunner()

odd_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "SC101", "24000/1001", "1280x720", "0x0", "left", "s1", "jack", "seed", "prompt", "~", "null", "-1", "1e309", "ambience", "établissement ✓"]),
    st.text(max_size=12),
)
odd_values = st.one_of(
    odd_scalars,
    st.lists(odd_scalars, max_size=3),
    st.dictionaries(st.sampled_from(["id", "type", "at", "move", "count", "file", "x", "zzz"]), odd_scalars, max_size=3),
)


def _containers(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every dict and list in the data."""
    found = []
    if isinstance(node, dict):
        found.append(path)
        for key, value in node.items():
            found.extend(_containers(value, path + (key,)))
    elif isinstance(node, list):
        found.append(path)
        for index, value in enumerate(node):
            found.extend(_containers(value, path + (index,)))
    return found


def _at(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


@st.composite
def mutated_data_plan(draw) -> str:
    data = copy.deepcopy(draw(st.sampled_from(SEED_DATA)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        containers = _containers(data)
        target = _at(data, draw(st.sampled_from(containers)))
        if isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target, key=str)))
            action = draw(st.sampled_from(["delete", "replace", "rename", "replace"]))
            if action == "delete":
                del target[key]
            elif action == "rename":
                target[str(key)[:-1] + draw(st.sampled_from(["", "s", "_", "x"]))] = target.pop(key)
            else:
                target[key] = draw(odd_values)
        elif isinstance(target, list) and target:
            index = draw(st.integers(min_value=0, max_value=len(target) - 1))
            action = draw(st.sampled_from(["drop", "duplicate", "replace"]))
            if action == "drop":
                target.pop(index)
            elif action == "duplicate":
                target.insert(index, copy.deepcopy(target[index]))
            else:
                target[index] = draw(odd_values)
    # JSON is YAML; non-finite floats become YAML's .nan / .inf spellings
    text = json.dumps(data, ensure_ascii=False, default=str, allow_nan=True)
    return text.replace("NaN", ".nan").replace("-Infinity", "-.inf").replace("Infinity", ".inf")


@st.composite
def mutated_text_plan(draw) -> str:
    text = draw(st.sampled_from(SEED_TEXTS))
    action = draw(st.sampled_from(["truncate", "splice", "swap", "indent"]))
    if action == "truncate":
        return text[: draw(st.integers(min_value=0, max_value=len(text)))]
    if action == "splice":
        at = draw(st.integers(min_value=0, max_value=len(text)))
        junk = draw(st.one_of(st.sampled_from([":", "- ", "{", "]", "&a", "*a", "!!python/object:os.system", "\t", "\x00", "'", "<<: *a", "? "]), st.text(max_size=8)))
        return text[:at] + junk + text[at:]
    lines = text.splitlines()
    i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
    j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
    if action == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = "  " + lines[i]
    return "\n".join(lines) + "\n"


def _check_text(text: str, *extra: str):
    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "film.yaml"
        plan.write_text(text, encoding="utf-8", errors="surrogatepass")
        return runner.invoke(app, ["check", str(plan), *extra])


def _assert_clean_exit(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in ALLOWED_EXIT_CODES, (result.exit_code, result.output[-2000:])
    assert "Traceback" not in result.output


COMMON = settings(max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(mutated_data_plan(), st.sampled_from([(), ("--format", "json"), ("--select", "SC2")]))
def test_check_survives_data_mutations(text: str, extra: tuple) -> None:
    _assert_clean_exit(_check_text(text, *extra))


@COMMON
@given(mutated_text_plan())
def test_check_survives_text_mutations(text: str) -> None:
    _assert_clean_exit(_check_text(text))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=200))
def test_check_survives_arbitrary_bytes(blob: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "film.yaml"
        plan.write_bytes(blob)
        _assert_clean_exit(runner.invoke(app, ["check", str(plan)]))


def _executable() -> Path:
    candidate = Path(sys.executable).parent / "shotcraft"
    if not candidate.exists():
        pytest.skip("the shotcraft console script is not installed next to this Python")
    return candidate


REAL_RUN_MUTANTS = [
    ("valid example", SEED_TEXTS[0], {0}),
    ("bad film", SEED_TEXTS[2], {1}),
    ("truncated mid-key", SEED_TEXTS[1][: SEED_TEXTS[1].index("  texture:") + 6], {2}),
    ("python tag", "!!python/object/apply:os.system ['echo pwned']\n", {2}),
    ("duration NaN", SEED_TEXTS[1].replace("    duration: 5\n", "    duration: .nan\n"), {2}),
    ("huge seed", SEED_TEXTS[1].replace("  - id: mara\n", "  - id: mara\n    seed: 99999999999999999999999\n"), {2}),
]


@pytest.mark.parametrize(("label", "text", "codes"), REAL_RUN_MUTANTS, ids=[m[0] for m in REAL_RUN_MUTANTS])
def test_real_executable_never_prints_a_traceback(label: str, text: str, codes: set[int], tmp_path: Path) -> None:
    plan = tmp_path / "film.yaml"
    plan.write_text(text, encoding="utf-8")
    done = subprocess.run([str(_executable()), "check", str(plan)], capture_output=True, text=True, timeout=120)
    assert done.returncode in codes, (label, done.returncode, done.stdout[-500:], done.stderr[-500:])
    assert "Traceback" not in done.stdout + done.stderr
    if done.returncode == 2:
        assert done.stderr.strip() and f"{plan}:" in done.stderr


def test_nan_is_spelled_as_yaml() -> None:
    assert math.isnan(YAML(typ="safe", pure=True).load("x: .nan")["x"])
