"""Plan input hardening (#18 items 3, 6, 14): YAML merge keys and tags, numeric bounds, the render estimate.

Each reproducer goes through `shotcraft check` (Typer's runner) and asserts the
clean located line, exit 2, no traceback, no "internal error".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.plan import load_plan
from shotcraft.plan.estimate import estimate_render
from tests.conftest import EXAMPLE

runner = CliRunner()
TEXT = EXAMPLE.read_text(encoding="utf-8")


def _check(tmp_path: Path, text: str):
    plan = tmp_path / "film.yaml"
    plan.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["check", str(plan)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.output
    return plan, result


MERGED = """schema_version: 2
production:
  id: merged
  title: Merged
  format: {resolution: 1280x720, fps: 24}
shots:
  - &base
    id: s1
    type: wide
    duration: 4
  - <<: *base
    id: s2
"""


def test_merge_keys_load_and_merged_fields_are_located_where_written(tmp_path: Path) -> None:
    plan, result = _check(tmp_path, MERGED)
    assert result.exit_code == 2
    # the bad value lives once, on line 9, and is reported for both shots at that position
    assert result.stderr.splitlines() == [
        f"{plan}:9:11: shots[0].type: " + result.stderr.splitlines()[0].split(": ", 2)[2],
        f"{plan}:9:11: shots[1].type: " + result.stderr.splitlines()[1].split(": ", 2)[2],
    ]
    fixed = load_plan_text_ok(tmp_path, MERGED.replace("type: wide", "type: wide-ambience"))
    assert [s.id for s in fixed.film.shots] == ["s1", "s2"] and fixed.film.shots[1].duration == 4
    assert fixed.locate(("shots", 1, "duration")) == (10, 15)


def load_plan_text_ok(tmp_path: Path, text: str):
    path = tmp_path / "ok.yaml"
    path.write_text(text, encoding="utf-8")
    return load_plan(path)


TAGS = [
    ("title: !!str Night Return", "!!str", "production.title"),
    ("title: !!binary aGVsbG8=", "!!binary", "production.title"),
    ("title: !!set {a, b}", "!!set", "production.title"),
    ("title: !!omap [a: 1]", "!!omap", "production.title"),
    ("title: !!timestamp 2001-12-14", "!!timestamp", "production.title"),
    ("title: !!python/object:os.system x", "!!python/object:os.system", "production.title"),
    ("title: !custom Night", "!custom", "production.title"),
    ("title: ! Night", "!", "production.title"),
    ("!!str title: Night Return", "!!str", "production"),
]


@pytest.mark.parametrize(("line", "tag", "field"), TAGS, ids=[t[1] + (" on a key" if t[0].startswith("!") else "") for t in TAGS])
def test_every_yaml_tag_is_refused_the_same_way_with_its_position(tmp_path: Path, line: str, tag: str, field: str) -> None:
    plan, result = _check(tmp_path, TEXT.replace("title: Night Return", line, 1))
    assert result.exit_code == 2
    column = 3 if line.startswith("!") else 10
    assert result.stderr == f"{plan}:12:{column}: {field}: YAML tag {tag!r} is not allowed (plain data only)\n"


RATES = [
    ('"1/1000"', "expected a frame rate between 1 and 240 fps, found '1/1000'"),
    ('"1e-400"', "expected a frame rate like 24 or '24000/1001', found '1e-400'"),
    ('"1e999999999"', "expected a frame rate like 24 or '24000/1001', found '1e999999999'"),
    ("0", "expected a frame rate between 1 and 240 fps, found 0"),
    ("241", "expected a frame rate between 1 and 240 fps, found 241"),
    (".nan", "expected an exact frame rate"),
]


@pytest.mark.parametrize(("value", "message"), RATES, ids=[r[0] for r in RATES])
def test_frame_rates_outside_1_to_240_are_refused(tmp_path: Path, value: str, message: str) -> None:
    plan, result = _check(tmp_path, TEXT.replace("fps: 24\n", f"fps: {value}\n", 1))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{plan}:19:10: production.format.fps: {message}")
    assert result.stderr.count("\n") == 1


def test_a_resolution_past_the_encoder_limit_names_the_limit(tmp_path: Path) -> None:
    plan, result = _check(tmp_path, TEXT.replace("1280x720", "8192x8192", 1))
    assert result.exit_code == 2
    assert "production.format.resolution: expected at most 35,651,584 pixels per frame (8192x4320, the H.264 level 6.2 limit" in result.stderr
    _, fine = _check(tmp_path, TEXT.replace("1280x720", "8192x4320", 1))
    assert fine.exit_code == 0, fine.output


@pytest.mark.parametrize("value", [".nan", ".inf", "-1", "1e300"])
def test_qa_thresholds_must_be_finite_and_in_range(tmp_path: Path, value: str) -> None:
    plan, result = _check(tmp_path, TEXT + f"qa:\n  thresholds: {{QA101: {value}}}\n")
    assert result.exit_code == 2
    assert f"{plan}:" in result.stderr and "qa.thresholds.QA101" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("field", ["duration: .inf", "duration: .nan", "duration: 1e-320"])
def test_non_finite_or_tiny_numbers_are_refused_with_their_position(tmp_path: Path, field: str) -> None:
    key = field.split(":")[0]
    text = TEXT.replace("    duration: 5\n", f"    {field}\n", 1) if key == "duration" else TEXT.replace("    duration: 5\n", f"    duration: 5\n    {field}\n", 1)
    plan, result = _check(tmp_path, text)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"{plan}:") and f".{key}:" in result.stderr


def test_check_estimates_the_render_and_warns_past_the_threshold(tmp_path: Path) -> None:
    _, small = _check(tmp_path, TEXT)
    assert small.exit_code == 0
    assert "render estimate: 24 takes, 2,208 frames, store about" in small.stderr and "warning" not in small.stderr
    estimate = estimate_render(load_plan(EXAMPLE))
    assert estimate.frames == 2208 and estimate.takes == 24 and estimate.warnings() == []
    big = TEXT.replace("1280x720", "8192x4320", 1)
    plan, result = _check(tmp_path, big)
    assert f"{plan}:18:17: warning: one clip needs about" in result.stderr
    assert result.stdout.count("warning") == 0  # stdout stays one finding per line
